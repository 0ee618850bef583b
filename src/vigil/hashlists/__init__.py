"""The hash database (DESIGN §4): media, classifications, series, victims, hash lists and their versions."""
