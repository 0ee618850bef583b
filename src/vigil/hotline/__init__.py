"""The hotline: reported URLs through assessment, hosting resolution, notices or forwards, re-checks
and removal (DESIGN §6). Domain code only: the web API and the CLI call :mod:`vigil.hotline.service`."""
