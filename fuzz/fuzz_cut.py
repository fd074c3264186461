"""Coverage-guided fuzzing (atheris) of the text entry points: see targets.check_text.

    pip install -e '.[fuzz]'
    python fuzz/corpus.py text /tmp/corpus-text
    python fuzz/fuzz_cut.py -max_len=16384 -timeout=30 /tmp/corpus-text

libFuzzer options apply (-runs=N, -max_total_time=S, -jobs=N ...). A crash is written to
crash-<sha1> in the current folder; replay it with ``python fuzz/fuzz_cut.py crash-...``,
then add it to fuzz/regressions/text/ (tests/test_fuzz.py replays that folder).
"""

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports(include=["paywall_cut"]):
    import targets

    import paywall_cut.html  # noqa: F401  (imported lazily by formats: instrument it too)


def main() -> None:
    targets.detectors()  # compile the rules once, before fuzzing starts
    atheris.Setup(sys.argv, targets.reported(targets.check_text))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
