#!/usr/bin/env python3
"""Links the Groove MIDI Dataset's files into one folder per official split (info.csv's `split`
column: train / validation / test), so `drumrnn create-dataset --input OUT/train` sees only that split.

  scripts/groove_splits.py ../shared/data/groove /tmp/groove_splits
"""
import csv
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    groove, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    counts = {}
    with open(os.path.join(groove, 'info.csv'), newline='') as f:
        for row in csv.DictReader(f):
            target = os.path.join(out, row['split'], row['midi_filename'])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.lexists(target):
                os.symlink(os.path.join(groove, row['midi_filename']), target)
            counts[row['split']] = counts.get(row['split'], 0) + 1
    print(' '.join('%s %d' % kv for kv in sorted(counts.items())))


if __name__ == '__main__':
    main()
