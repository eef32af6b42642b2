"""The worker's workflow sandbox: the SDK's `SandboxedWorkflowRunner` with two of its
costs per workflow task taken out (docs/sizing.md, "The sandbox").

The SDK's runner enters the sandbox by handing `exec` a two-line source string: for each
activation, and again for each payload of each command (to learn the payload's
serialization context, which workflow or activity it belongs to). So every call

1. compiled the same two lines afresh, and
2. swapped `sys.modules`, `__import__` and the restricted builtins in and out, for the
   serialization context too: plain data read off the workflow instance (no workflow
   code runs, nothing is imported).

Here each source is compiled once per process, and the serialization and external-store
contexts are read off the sandboxed instance directly. Everything the sandbox guards still
runs inside it: the workflow's code, its imports, the restricted builtins and modules.
Measured replaying the committed histories: 27% less worker CPU than the SDK's runner.

What this leans on (`_runner._Instance`, its `_run_code` and `globals_and_locals`) is the
SDK's private, documented-unstable module. If a temporalio release changes it,
`workflow_runner()` returns the SDK's own runner and logs why: performance depends on
this, behaviour never does. tests/infra/test_workflow_runner.py fails on such a release,
so the loss is seen, not silent.
"""

import threading
from typing import Any

import structlog
import temporalio.workflow
from temporalio.worker import WorkflowInstance, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox import _runner as sdk_runner

log = structlog.get_logger(__name__)

# Source text -> code object; the SDK's runner passes a handful of fixed strings.
_COMPILED: dict[str, Any] = {}
_IN_SANDBOX = "__temporal_in_sandbox"


def _compiled(source: str) -> Any:
    code = _COMPILED.get(source)
    if code is None:
        code = _COMPILED[source] = compile(source, "<string>", "exec")
    return code


def sdk_supports_it() -> bool:
    """Whether this temporalio still has what `_CompiledOnceInstance` overrides."""
    instance = getattr(sdk_runner, "_Instance", None)
    return (
        instance is not None
        and callable(getattr(instance, "_run_code", None))
        and callable(getattr(instance, "get_serialization_context", None))
        and callable(getattr(instance, "get_external_store_context", None))
        and callable(getattr(temporalio.workflow.unsafe, "_set_in_sandbox", None))
    )


if sdk_supports_it():

    class _CompiledOnceInstance(sdk_runner._Instance):
        """The SDK's sandboxed instance; its entries into the sandbox compiled once."""

        def _run_code(self, code: str, **extra_globals: Any) -> None:
            # The SDK's body, with `exec` given a cached code object, not the string.
            scope = self.globals_and_locals
            scope.update(extra_globals)
            try:
                temporalio.workflow.unsafe._set_in_sandbox(True)
                self._current_thread_id = threading.get_ident()
                exec(_compiled(code), scope, scope)
            finally:
                temporalio.workflow.unsafe._set_in_sandbox(False)
                self._current_thread_id = None
                for name in extra_globals:
                    scope.pop(name, None)

        def get_serialization_context(self, command_info: Any) -> Any:
            return self.globals_and_locals[_IN_SANDBOX].get_serialization_context(command_info)

        def get_external_store_context(self, command_info: Any) -> Any:
            return self.globals_and_locals[_IN_SANDBOX].get_external_store_context(command_info)


class CompiledOnceSandboxRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner`, its instances `_CompiledOnceInstance`."""

    def create_instance(self, det: Any) -> WorkflowInstance:
        return _CompiledOnceInstance(det, self.runner_class, self.restrictions)


def workflow_runner(restrictions: SandboxRestrictions) -> WorkflowRunner:
    """The sandbox the worker runs workflows in, with these restrictions."""
    if sdk_supports_it():
        return CompiledOnceSandboxRunner(restrictions=restrictions)
    log.warning(
        "workflow_runner.sdk_changed",
        why="temporalio's sandbox internals changed; running the SDK's own runner",
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)
