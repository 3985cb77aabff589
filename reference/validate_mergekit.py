#!/usr/bin/env python3
"""Validate mergekit configs written by `smile-inspect mergeable --emit-mergekit` with mergekit itself.

    pip install mergekit
    smile-inspect mergeable --base B --models A1 A2 --emit-mergekit plan.yml
    python3 reference/validate_mergekit.py plan.yml plan.group-*.yml

Each file is read with PyYAML (what mergekit-yaml uses) and validated by mergekit's
MergeConfiguration.model_validate; the script also checks the task-arithmetic shape smile-inspect writes
(merge_method, base_model, normalize false, one numeric weight per model) and prints one line per file.
Exits 1 on the first invalid file. Not run in CI: it needs mergekit (and torch) installed.
"""

import sys

import yaml
from mergekit.config import MergeConfiguration


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        with open(path) as f:
            data = yaml.safe_load(f)
        config = MergeConfiguration.model_validate(data)
        assert config.merge_method == "task_arithmetic", config.merge_method
        assert config.base_model is not None
        assert config.parameters == {"normalize": False}, config.parameters
        weights = [m.parameters["weight"] for m in config.models]
        assert all(isinstance(w, float) for w in weights), weights
        print("%s: valid mergekit config, %d models onto %s, weights %s, dtype %s"
              % (path, len(config.models), config.base_model, weights, config.dtype))


if __name__ == "__main__":
    main()
