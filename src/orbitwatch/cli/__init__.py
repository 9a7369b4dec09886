"""Command-line interface (typer + rich). Thin: parse, call the library, format."""
