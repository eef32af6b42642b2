"""The stop-sale order's pure rules (domain/stop_sale.py; 000 四.18): which cases are about
the ordered product, which stores an order covers, whom it tells, who may do what."""

from datetime import UTC, date, datetime

import pytest

from domain.authority import Actor, Role
from domain.products import ProductRef, product_key
from domain.rules import RefusalType
from domain.stop_sale import (
    IssuerKind,
    OrderForm,
    OrderRecipient,
    OrderStatus,
    StopSaleOrderRecord,
    StopSalePolicy,
    lift_refusal,
    matches,
    plan_recipients,
    recording_refusal,
    stores_in_scope,
    written_order_refusal,
)

STORES = ["Shanghai Pudong", "Beijing Chaoyang", "Shenzhen Futian"]
POLICY = StopSalePolicy(carried_by={"WD-1800": ["shanghai pudong", "Beijing Chaoyang"]})


def test_codes_match_case_spacing_and_full_width_forms_aside() -> None:
    assert product_key(" ｗｄ-1800 ") == product_key("wd - 1800") == "WD-1800"
    assert product_key("   ") is None


@pytest.mark.parametrize(
    ("case", "linked"),
    [
        (ProductRef(sku="wd-1800", batch="b2611"), True),
        (ProductRef(sku="WD-1800", batch="B2612"), False),  # another batch
        (ProductRef(sku="WD-1800"), False),  # the batch unknown: not this batch for sure
        (ProductRef(name="两门衣柜"), False),  # a name is no code
        (None, False),
    ],
)
def test_an_order_for_a_batch_links_the_cases_of_that_batch_only(case, linked) -> None:
    assert matches(ProductRef(sku="WD-1800", batch="B2611"), case) is linked


def test_an_order_for_a_sku_links_every_batch_and_one_naming_nothing_links_nothing() -> None:
    assert matches(ProductRef(sku="WD-1800"), ProductRef(sku="wd-1800", batch="B1"))
    assert not matches(ProductRef(name="衣柜"), ProductRef(name="衣柜"))


def test_an_order_naming_no_store_covers_the_stores_carrying_its_sku_or_every_store() -> None:
    carried = stores_in_scope(POLICY, ProductRef(sku="wd-1800"), [], STORES)
    assert carried == ["Shanghai Pudong", "Beijing Chaoyang"]  # under the policy's names
    assert stores_in_scope(POLICY, ProductRef(sku="SF-1"), [], STORES) == STORES
    assert stores_in_scope(POLICY, ProductRef(batch="B1"), [], STORES) == STORES
    named = stores_in_scope(POLICY, ProductRef(sku="WD-1800"), ["shenzhen  futian"], STORES)
    assert named == ["Shenzhen Futian"]


def test_purchasing_is_told_once_and_each_store_role_at_each_store() -> None:
    contacts = {("Shanghai Pudong", "store_manager"): ["user:li.wei"]}

    def recipients_at(store: str | None, role: str) -> list[str]:
        return contacts.get((store, role), [role])

    planned = plan_recipients(POLICY, ["Shanghai Pudong", "Beijing Chaoyang"], recipients_at)
    assert planned == [
        OrderRecipient(recipient="purchasing"),
        OrderRecipient(recipient="user:li.wei", store="Shanghai Pudong"),
        OrderRecipient(recipient="store_manager", store="Beijing Chaoyang"),
    ]


def _actor(role: Role) -> Actor:
    return Actor(user_id=f"{role.value}.x", role=role)


def _order(**fields: object) -> StopSaleOrderRecord:
    return StopSaleOrderRecord.model_validate(
        {
            "order_no": 1,
            "workflow_id": "stop-sale-1",
            "issuer": "浦东新区市场监督管理局",
            "issuer_kind": IssuerKind.MARKET_REGULATOR,
            "form": OrderForm.ORAL,
            "ordered_on": date(2026, 12, 2),
            "product": ProductRef(sku="WD-1800"),
            "stores": ["Shanghai Pudong"],
            "recorded_by": "staff.li",
            "recorded_at": datetime(2026, 12, 2, tzinfo=UTC),
            "policy_version": "v",
            **fields,
        }
    )


def test_the_desk_records_orders_and_written_orders_and_only_senior_management_lifts() -> None:
    for role in (Role.STAFF, Role.HANDLER, Role.MANAGER, Role.SENIOR):
        assert recording_refusal(_actor(role)) is None
        assert written_order_refusal(_order(), _actor(role)) is None
    assert recording_refusal(_actor(Role.ENGINEER)).type is RefusalType.ROLE_NOT_ALLOWED
    assert lift_refusal(_order(), _actor(Role.MANAGER)).type is RefusalType.ROLE_NOT_ALLOWED
    assert lift_refusal(_order(), _actor(Role.SENIOR)) is None


def test_a_written_order_comes_once_and_nothing_changes_a_lifted_order() -> None:
    staff, senior = _actor(Role.STAFF), _actor(Role.SENIOR)
    for done in (_order(form=OrderForm.WRITTEN), _order(written_order_ref="浦市监停字12号")):
        assert written_order_refusal(done, staff).type is RefusalType.STAGE_NOT_ALLOWED
    lifted = _order(status=OrderStatus.LIFTED)
    assert written_order_refusal(lifted, staff).type is RefusalType.STAGE_NOT_ALLOWED
    assert lift_refusal(lifted, senior).type is RefusalType.STAGE_NOT_ALLOWED


def test_a_policy_whose_carried_by_names_an_unknown_store_is_refused(policy) -> None:
    raw = policy.model_dump(mode="json")
    raw["stop_sale"]["carried_by"] = {"WD-1800": ["Shanghai Pudong", "Hangzhou Xihu"]}
    with pytest.raises(ValueError, match="Hangzhou Xihu"):
        type(policy).model_validate(raw)
