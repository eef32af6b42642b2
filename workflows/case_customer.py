"""The customer is told, and re-visited, part of ComplaintWorkflow (DOMAIN sections 5, 8, 9;
docs/customer-messages.md).

At each moment the seeds name the case queues a message to the customer, rendered from
the policy's template in the customer's language (domain/customer_messages.py), as an
outbox row for `customer` with an audit entry naming the moment and the channel (never
the text). Only with the customer's consent, on the channel intake recorded; the relay
delivers it. The satisfaction survey carries a signed, single-use link the worker issues
(activities/customer_links.py): its answer records the follow-up visit or a re-visit.
Staff record re-visit calls; the re-visit deadlines are met by either.

Everything here is off for a case whose policy has no `customer_messages` section and no
re-visit deadlines, and behind patches for the histories recorded before it.
"""

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.customer_links import SurveyLinks
    from domain.contact import CustomerLanguage
    from domain.customer_messages import (
        CUSTOMER_RECIPIENT,
        MessageMoment,
        contact_channel_of,
        local_time,
        render_message,
    )
    from domain.lifecycle import Stage
    from domain.models import CommandResult, DeadlineState, Notification
    from domain.policy import DeadlineName
    from domain.processes import closing_refusal
    from domain.rules import Refusal, RefusalType
    from domain.surveys import (
        CUSTOMER_ACTOR_ID,
        CUSTOMER_ACTOR_ROLE,
        AnswerSurvey,
        CallResult,
        IssueSurveyLink,
        RecordRevisit,
        Revisit,
        RevisitVia,
        SurveyPurpose,
        meets_revisit,
        rating_refusal,
        revisit_refusal,
    )

from workflows import patches
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse

_LINK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
_REVISITS = (DeadlineName.REVISIT, DeadlineName.REVISIT_AFTER_REMEDY)
CUSTOMER = (CUSTOMER_ACTOR_ID, CUSTOMER_ACTOR_ROLE)


class CaseCustomer:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    # --- messages ----------------------------------------------------------------

    @property
    def _customer_language(self) -> CustomerLanguage:
        return self._start.intake.customer.language

    def _messages_on(self) -> bool:
        """The customer may be told: the policy has messages, the customer consented on a
        channel with an address, and the case runs code that tells (histories before it
        replay without)."""
        if self._policy.customer_messages is None:
            return False
        if contact_channel_of(self._start.intake.customer) is None:
            return False
        return patches.applies(patches.CUSTOMER_MESSAGES)

    async def _tell_customer(
        self,
        moment: MessageMoment,
        values: Callable[[CustomerLanguage], dict[str, str]] | None = None,
    ) -> None:
        if not self._messages_on():
            return
        messages = self._policy.customer_messages
        assert messages is not None
        language = self._customer_language
        filled = {"case_no": self._case_no, **(values(language) if values else {})}
        message = render_message(messages, moment, language, filled)
        channel = contact_channel_of(self._start.intake.customer)
        assert channel is not None
        note = Notification(
            notification_id=str(workflow.uuid4()),
            recipient=CUSTOMER_RECIPIENT,
            subject=message.subject,
            body=message.body,
        )
        await self._record(
            "customer_message_queued",
            None,
            reason=f"{moment.value} message to the customer by {channel.value}",
            data={
                "moment": moment.value,
                "channel": channel.value,
                "language": language.value,
                "notification_id": note.notification_id,
            },
            notifications=[note],
        )

    def _due_local(self, name: DeadlineName) -> Callable[[CustomerLanguage], str]:
        def local(language: CustomerLanguage) -> str:
            return local_time(self._deadlines[name].due_at, self._policy.calendar, language)

        return local

    async def _send_survey(self, purpose: SurveyPurpose) -> None:
        """The survey message with a new link (DOMAIN section 9)."""
        if not self._messages_on():
            return
        messages = self._policy.customer_messages
        assert messages is not None
        await self._flush_recorded()
        now = workflow.now()
        link = await workflow.execute_activity_method(
            SurveyLinks.issue_survey_link,
            IssueSurveyLink(
                case_no=self._case_no,
                link_id=str(workflow.uuid4()),
                purpose=purpose,
                language=self._customer_language,
                issued_at=now,
                expires_at=messages.survey_valid_for.after(now, self._policy.calendar),
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_LINK_RETRY,
            summary="issue the customer's survey link",
        )
        await self._tell_customer(
            MessageMoment.SURVEY,
            lambda language: {
                "survey_link": link.url,
                "survey_expires": local_time(link.expires_at, self._policy.calendar, language),
            },
        )

    # --- re-visit deadlines --------------------------------------------------------

    def _revisit_due(self, name: DeadlineName) -> None:
        """Sets a re-visit deadline from now, where the policy has it (patched: a case
        recorded before re-visits replays without the timer)."""
        if name in self._policy.deadlines and patches.applies(patches.REVISITS):
            self._set_deadline(name, workflow.now(), arm=True)

    def _cancel_revisits(self) -> None:
        """A reopened case is re-visited when it closes again."""
        for name in _REVISITS:
            deadline = self._deadlines.get(name)
            if deadline is not None and deadline.state is DeadlineState.PENDING:
                deadline.state = DeadlineState.CANCELLED
                deadline.settled_at = workflow.now()
                self._disarm(name)

    def _meet_revisits(self) -> None:
        for name in _REVISITS:
            self._meet(name)

    # --- re-visit calls and the survey's answer -----------------------------------

    @workflow.update
    @applied_once
    async def record_revisit(self, cmd: RecordRevisit) -> CommandResult:
        """A re-visit call by customer service (issue 19 section 5): a call that reached
        the customer meets the re-visit deadlines and completes the case's sample task."""
        async with self._turn():
            self._check_revisit(cmd)
            done = meets_revisit(cmd.call_result)
            self._revisits.append(
                Revisit(
                    at=workflow.now(),
                    via=RevisitVia.PHONE,
                    by=cmd.actor.user_id,
                    call_result=cmd.call_result,
                    satisfaction=cmd.satisfaction,
                    comment=cmd.comment,
                )
            )
            if done:
                self._meet_revisits()
            await self._record(
                "revisited",
                cmd.actor,
                reason=cmd.comment or "",
                data={
                    "via": RevisitVia.PHONE.value,
                    "call_result": cmd.call_result.value,
                    "satisfaction": cmd.satisfaction,
                    "completed": done,
                },
            )
            return self._result("revisited" if done else f"re-visit attempt: {cmd.call_result}")

    @record_revisit.validator
    @unless_applied
    def _validate_revisit(self, cmd: RecordRevisit) -> None:
        self._check_revisit(cmd)

    def _check_revisit(self, cmd: RecordRevisit) -> None:
        refuse(rating_refusal(cmd.actor, handler=self._handler))
        refuse(revisit_refusal(cmd, closed=self._stage is Stage.CLOSED))

    @workflow.update
    @applied_once
    async def answer_survey(self, cmd: AnswerSurvey) -> CommandResult:
        """The customer's answer (its link checked and claimed by the API): the follow-up
        visit of a case whose remedy was carried out, which closes it; otherwise (closed
        already, or sub-processes still open) a re-visit."""
        async with self._turn():
            refuse(self._survey_refusal())
            comment = cmd.comment or ""
            rating = {"satisfaction": cmd.satisfaction, "via": RevisitVia.SURVEY.value}
            if self._stage is Stage.REMEDY_CARRIED_OUT and self._closing_allowed():
                self._satisfaction = cmd.satisfaction
                self._meet(DeadlineName.FOLLOW_UP)
                self._meet_revisits()
                self._close(reason="resolved")
                await self._record("followed_up", None, reason=comment, data=rating, who=CUSTOMER)
                await self._record(
                    "closed",
                    None,
                    reason="resolved: the customer answered the satisfaction survey",
                    data={"closed_reason": "resolved", "followed_up_by": CUSTOMER_ACTOR_ID},
                )
                return self._result("closed")
            self._revisits.append(
                Revisit(
                    at=workflow.now(),
                    via=RevisitVia.SURVEY,
                    by=CUSTOMER_ACTOR_ID,
                    call_result=CallResult.REACHED,
                    satisfaction=cmd.satisfaction,
                    comment=cmd.comment,
                )
            )
            self._meet_revisits()
            await self._record(
                "revisited",
                None,
                reason=comment,
                data=rating | {"call_result": CallResult.REACHED.value, "completed": True},
                who=CUSTOMER,
            )
            return self._result("revisited")

    @answer_survey.validator
    @unless_applied
    def _validate_survey(self, cmd: AnswerSurvey) -> None:
        refuse(self._survey_refusal())

    def _survey_refusal(self) -> Refusal | None:
        if self._stage not in (Stage.REMEDY_CARRIED_OUT, Stage.CLOSED):
            return Refusal(
                RefusalType.STAGE_NOT_ALLOWED,
                f"the case is {self._stage.value}: it is rated once its remedy is carried out",
            )
        return None

    def _closing_allowed(self) -> bool:
        processes = list(self._processes.values())
        return closing_refusal(processes, category=self._start.intake.category.value) is None
