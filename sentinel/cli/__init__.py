"""Command line: `sentinel run | replay | validate | rules init | schema | slo-rules |
dashboards`.

Exit codes: 0 success, 2 bad arguments (Kafka options included), 3 bad rules, 4 an input or
output failed, 5 replay: the input held no record, 6 replay: every record was a dead letter.
"""

from sentinel.cli.app import main
from sentinel.cli.options import bundled_sample

__all__ = ["bundled_sample", "main"]
