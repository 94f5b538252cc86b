"""``python -m xingxian_subsidy`` is the same as the ``xingxian-subsidy`` command."""

from xingxian_subsidy.cli import run

run()
