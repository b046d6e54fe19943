"""A stateful fake of the Shoptet API (DESIGN §8).

    from reconciler.sandbox import Sandbox, SandboxConfig
    sb = Sandbox.from_seed("demo")                 # or "empty", or a state file Path
    client = httpx.Client(transport=sb.transport(), base_url="http://127.0.0.1")
    with sb.serve(port=0) as server: ...           # server.url, over real HTTP
    sb.state() / sb.load_state(doc)                # the JSON state format (state.py)
    sb.request_log / sb.counters / sb.faults.set([...]) / sb.reset()

Auth: ``Shoptet-Private-API-Token: sandbox-token`` or an access token issued by
``GET /action/ApiOAuthServer/getAccessToken`` (``Authorization: Bearer sandbox-oauth``) in
``Shoptet-Access-Token``.
"""

from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.core import Sandbox
from reconciler.sandbox.faults import KINDS as FAULT_KINDS
from reconciler.sandbox.messages import Request, Response
from reconciler.sandbox.state import FORMAT_VERSION, StateError, available

__all__ = [
    "FAULT_KINDS",
    "FORMAT_VERSION",
    "Request",
    "Response",
    "Sandbox",
    "SandboxConfig",
    "StateError",
    "available",
]
