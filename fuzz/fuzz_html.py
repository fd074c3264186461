"""Coverage-guided fuzzing (atheris) of the HTML entry points: see targets.check_html.

    pip install -e '.[fuzz]'
    python fuzz/corpus.py html /tmp/corpus-html
    python fuzz/fuzz_html.py -max_len=65536 -timeout=30 /tmp/corpus-html

libFuzzer options apply (-runs=N, -max_total_time=S, -jobs=N ...). A crash is written to
crash-<sha1> in the current folder; replay it with ``python fuzz/fuzz_html.py crash-...``,
then add it to fuzz/regressions/html/ (tests/test_fuzz.py replays that folder).
"""

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports(include=["paywall_cut", "bs4"]):
    import bs4  # noqa: F401
    import targets

    import paywall_cut.html  # noqa: F401  (imported lazily by formats: instrument it too)


def main() -> None:
    targets.detectors()  # compile the rules once, before fuzzing starts
    atheris.Setup(sys.argv, targets.reported(targets.check_html))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
