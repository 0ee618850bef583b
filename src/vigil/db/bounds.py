"""The range of the integer columns, for checking numbers from outside before they reach SQL.

A number from a request or a command line reaches SQL as a bound parameter: SQLite refuses one beyond
64 bits with an OverflowError, PostgreSQL one beyond its column's type ("integer out of range"). The
edges (web routes, CLI options) declare these bounds, so that an out-of-range value is refused there with
a clear message, the same on both backends; the tests walk the OpenAPI schema and the CLI's commands and
fail on any integer left unbounded.
"""

from __future__ import annotations

from typing import Final

#: The largest value of an INTEGER column on PostgreSQL (signed 32-bit): ids, list versions, audit
#: sequence numbers. SQLite stores 64 bits, but the schema is the same on both.
DB_INT_MAX: Final = 2**31 - 1
#: The largest value of a BIGINT column (signed 64-bit on both): blocklist serials, report sources.
DB_BIGINT_MAX: Final = 2**63 - 1
