"""The platform's defaults (`irtui.platform`) and the built-in runbook describe one platform."""

from irtui.platform import NAMESPACE, SERVICES
from irtui.runbook import load_runbook


def test_the_built_in_runbook_names_the_platform_declared_in_code():
    runbook = load_runbook()
    assert runbook.namespace == NAMESPACE
    assert runbook.services == SERVICES
