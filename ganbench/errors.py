"""Exception classes that the command line maps to exit codes."""


class GanbenchError(Exception):
    """Base class for errors that ganbench reports to the user without a traceback."""


class UsageError(GanbenchError):
    """Invalid input from the user: an unknown name, a value out of range, a bad file.

    The command line exits with code 2 and leaves every results file untouched.
    """


class PluginError(GanbenchError):
    """A plugin misbehaved: it raised, returned malformed scores or missed its target.

    The runner records the affected run as failed with this message and goes on.
    """

    def __init__(self, plugin: str, problem: str):
        super().__init__(f"plugin {plugin!r}: {problem}")
        self.plugin = plugin
        self.problem = problem


class MethodDeclined(GanbenchError):
    """A pruning method cannot handle this model; the message says why.

    The run is recorded with status ``declined`` rather than ``failed``.
    """


class SelfTestFailed(GanbenchError):
    """The metric self-test found values that differ from the committed reference values.

    Raised before a sweep records anything; the command line exits with code 3.
    """


class BaselineUnavailable(GanbenchError):
    """Training this dense baseline already failed earlier in the same sweep.

    The message is the original failure's, so every run of the baseline records the same
    reason whichever process trained it first.
    """


def describe_error(error: BaseException) -> str:
    """Return the text a failed run records for ``error``.

    ganbench's own errors already name the plugin or the problem; any other exception is
    prefixed with its class name.
    """
    if isinstance(error, GanbenchError):
        return str(error)
    return f"{type(error).__name__}: {error}"
