"""The hotline: reported URLs through assessment, hosting resolution, notices or forwards, re-checks
and removal (docs/hotline.md). Domain code only: the web API and the CLI call :mod:`vigil.hotline.service`."""
