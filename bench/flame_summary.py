"""Read py-spy's raw (collapsed) samples and print where the time goes: inclusive and own shares per function.

    uv run python bench/flame_summary.py bench/results/profile-roster.txt [--top 30] [--match litestar]

py-spy writes one line per distinct stack: `frame;frame;...;frame count`, each frame
`function (file:line)`. Shares are of all samples (idle event-loop time included, shown as
`select`/`epoll` frames).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "lib/python3.11/", "wt-17/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match.group('func')} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only functions whose name or file contains this")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in args.file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [short(f) for f in stack.split(";") if f.strip()]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("own", own)):
        print(f"\n-- {title} --")
        shown = 0
        for frame, count in counter.most_common():
            if args.match and args.match not in frame:
                continue
            print(f"{100 * count / total:6.1f}%  {frame}")
            shown += 1
            if shown >= args.top:
                break


if __name__ == "__main__":
    main()
