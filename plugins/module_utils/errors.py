# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error family of berth.docker's module_utils.

Every error meant for the user is a :class:`BerthError`: its ``msg`` says what is wrong and what
to do, and ``common.run_module`` fails the task with it. Below it:

- :class:`DockerError` and its kinds: talking to the Docker engine failed (unreachable, an HTTP
  error status, an error inside a progress stream, a failed build, an unreachable registry).
- :class:`SpecError`: what the user declared is wrong (the option or key is named in ``field``);
  :class:`ComposeError` is the kind raised for a compose project.
- The host-side families (the engine's daemon.json, package install and service; HAProxy's
  configuration, service and runtime socket) live with their code and derive from
  :class:`BerthError` too, each under its own name.
"""


class BerthError(Exception):
    """An error with a message meant for the user: what is wrong and what to do."""

    def __init__(self, msg, status=None, details=None):
        super(BerthError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.details = details


# -- the Docker engine ----------------------------------------------------------------------

class DockerError(BerthError):
    """Talking to the Docker engine (or a registry through it) failed."""


class EngineUnreachable(DockerError):
    """The engine could not be reached at all (socket missing, refused, TLS, ssh)."""


class APIError(DockerError):
    """The engine answered with an HTTP error status."""


class NotFound(APIError):
    """HTTP 404: no such container / image / network / volume."""


class Conflict(APIError):
    """HTTP 409: the name is in use, the object is in use, ..."""


class StreamError(DockerError):
    """An error reported inside a JSON progress stream (pull, push, build, load)."""

    def __init__(self, msg, messages=None):
        super(StreamError, self).__init__(msg)
        self.messages = messages or []


class BuildFailed(DockerError):
    """An image build failed; ``output`` holds the build's last output lines."""

    def __init__(self, msg, output):
        super(BuildFailed, self).__init__(msg)
        self.output = output


class RegistryUnreachable(DockerError):
    """The engine could not reach the registry at all (refused, no such host, timeout)."""


# -- what the user declared -----------------------------------------------------------------

class SpecError(BerthError):
    """Bad options: the message names the field and says how to fix it."""

    def __init__(self, field, msg):
        super(SpecError, self).__init__('%s: %s' % (field, msg) if field else msg)
        self.field = field


class ComposeError(SpecError):
    """A compose project that cannot be loaded or brought to its declared state as written."""

    def __init__(self, msg, field=None):
        super(ComposeError, self).__init__(field, msg)
