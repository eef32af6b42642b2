"""Quality inspection and supplier claim on the case page (issue 16; docs/quality-and-
supplier.md): the panel `quality_supplier` shows quality control's ruling, the claim
against the supplier and what it recovered of what the customer was paid, with the forms
of the messages the user may send now (actions.py PROCESS_MESSAGES); forms post to the
API through the case page's command route, which decides again."""

from api.console.actions import PROCESS_MESSAGES
from api.console.panels import Panel
from api.console.panels import add as add_panel
from api.console.web import TEMPLATE_GLOBALS
from domain.processes import ProcessKind
from domain.quality import DefectCause, LabVerdict

ENUMS = {"defect_causes": DefectCause, "lab_verdicts": LabVerdict}
TEMPLATE_GLOBALS.update(ENUMS)
# The forms of each process's messages, in the order they are usually sent.
TEMPLATE_GLOBALS["process_messages"] = {
    kind: [action for action, (of, _, _) in PROCESS_MESSAGES.items() if of is kind]
    for kind in (ProcessKind.QUALITY, ProcessKind.SUPPLIER)
}

add_panel(Panel("quality_supplier", "panels/quality_supplier.html"))
