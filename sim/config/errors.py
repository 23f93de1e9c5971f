"""The one exception type for mistakes a user can fix."""


class ConfigError(ValueError):
    """Bad input: a config key, value, scenario, file or run record.

    The message is one paragraph written for the person who made the mistake:
    what is wrong, where, and what is allowed. The command line prints it and
    exits with status 2, without a traceback and without writing results.
    """
