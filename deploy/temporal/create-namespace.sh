#!/bin/sh
# One-shot of docker-compose.yml (service `temporal-namespace`, image temporalio/admin-tools):
# registers the application's namespace once the server is healthy, with its retention
# (how long closed workflows are kept). An existing namespace is left as it is: change its
# retention with `temporal operator namespace update --retention ...`.
#
# It exits only once the namespace answers operator calls (listing its search attributes),
# so the next one-shot, which registers ours (python -m infra.search_attributes), does not
# race the server's namespace cache.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${TEMPORAL_RETENTION:?}"
ATTEMPTS=${ATTEMPTS:-30}

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" \
        --namespace "$TEMPORAL_NAMESPACE" > /dev/null 2>&1; then
    echo "temporal-namespace: $TEMPORAL_NAMESPACE exists"
else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" \
        --namespace "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_RETENTION"
    echo "temporal-namespace: created $TEMPORAL_NAMESPACE, retention $TEMPORAL_RETENTION"
fi

attempt=1
until temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" \
        --namespace "$TEMPORAL_NAMESPACE" > /dev/null 2>&1; do
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
        echo "temporal-namespace: $TEMPORAL_NAMESPACE still not usable after $ATTEMPTS tries" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done
echo "temporal-namespace: $TEMPORAL_NAMESPACE is ready"
