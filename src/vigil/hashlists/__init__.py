"""The hash database (docs/hashdb.md): media, classifications, series, victims, hash lists and versions."""
