#!/usr/bin/env python3
# Writes the fuzz targets' committed seed corpora, fuzz/corpus/<target>/<seed-name>, and their
# libFuzzer dictionaries, fuzz/dict/<target>.dict (docs/reliability.md#fuzzing).
#
# Run by hand after changing it, from anywhere:   python3 fuzz/seeds.py
# and commit what it wrote. Python 3 standard library only. The output is deterministic: running
# it twice changes nothing.
#
# Each seed is the control byte(s) its target reads first (see the header comment of
# fuzz/<target>.cpp) followed by the payload, taken from the real wire formats (the shapes of the
# unit tests' fixtures and fakes: tests/unit/providers, tests/unit/ingress, tests/support/fake_*,
# tests/configs). A file in fuzz/corpus/<target>/ that this script no longer produces is deleted;
# fuzz/regressions/ is never touched beyond creating an empty .gitkeep in each target's folder
# (the replay main runs it as an empty input, which every target accepts).
#
# This file only writes; the seeds and dictionaries are in fuzz/seed_data/, one module per
# family of wire formats (common.py holds the target list and the shared helpers).

import pathlib
import sys

sys.dont_write_bytecode = True  # no __pycache__ in fuzz/seed_data/
FUZZ = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(FUZZ))

from seed_data.common import SEEDS, TARGETS  # noqa: E402
from seed_data.config_admin import admin_seeds, config_seeds  # noqa: E402
from seed_data.dicts import DICTS  # noqa: E402
from seed_data.http import http_seeds, request_body_seeds, sse_seeds  # noqa: E402
from seed_data.ingress import ingress_anthropic_seeds, ingress_responses_seeds  # noqa: E402
from seed_data.small_parsers import durations_urls_seeds, redis_seeds  # noqa: E402
from seed_data.upstream_anthropic_gemini import anthropic_seeds, gemini_seeds  # noqa: E402
from seed_data.upstream_openai import azure_seeds, openai_seeds  # noqa: E402


def write_if_changed(path, content):
    if path.exists() and path.read_bytes() == content:
        return False
    path.write_bytes(content)
    return True


def main():
    openai_seeds()
    azure_seeds()
    anthropic_seeds()
    gemini_seeds()
    request_body_seeds()
    http_seeds()
    sse_seeds()
    ingress_anthropic_seeds()
    ingress_responses_seeds()
    config_seeds()
    admin_seeds()
    durations_urls_seeds()
    redis_seeds()

    corpus = FUZZ / "corpus"
    corpus.mkdir(exist_ok=True)
    written = removed = 0
    for target in TARGETS:
        assert SEEDS[target], f"no seeds for {target}"
        folder = corpus / target
        folder.mkdir(exist_ok=True)
        for name, content in sorted(SEEDS[target].items()):
            written += write_if_changed(folder / name, content)
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.name not in SEEDS[target]:
                f.unlink()
                removed += 1
        regressions = FUZZ / "regressions" / target
        regressions.mkdir(parents=True, exist_ok=True)
        keep = regressions / ".gitkeep"
        if not keep.exists():
            keep.write_bytes(b"")
    # A corpus folder of a target that no longer exists would make scripts/fuzz.sh look for it.
    for folder in sorted(corpus.iterdir()):
        if folder.is_dir() and folder.name not in SEEDS:
            for f in folder.iterdir():
                if f.is_file():
                    f.unlink()
                    removed += 1
            folder.rmdir()

    dicts = FUZZ / "dict"
    dicts.mkdir(exist_ok=True)
    for target, entries in sorted(DICTS.items()):
        assert target in SEEDS, target
        lines, seen = [], set()
        for line in entries:
            if line.startswith("#") or line not in seen:
                lines.append(line)
                seen.add(line)
        text = (f"# libFuzzer dictionary for fuzz_{target}: written by fuzz/seeds.py, do not "
                "edit.\n" + "\n".join(lines) + "\n")
        written += write_if_changed(dicts / f"{target}.dict", text.encode("utf-8"))

    for target in TARGETS:
        print(f"{target:22} {len(SEEDS[target]):3} seeds")
    print(f"{written} files written, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
