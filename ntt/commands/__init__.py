"""One module per ``ntt`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""
