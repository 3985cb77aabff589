#!/usr/bin/env python3
"""Writes Tests/AnalysisTests/Fixtures/compatibility/: the side files (config.json, tokenizer files) of a
small Llama-style family made with the Hugging Face `tokenizers` and `transformers` libraries, and
`expected.json`, what those libraries say about each variant against the base. `smile-inspect check`
reads these files as data (Python is never needed at run time); CompatibilityTokenizerTests compares its
findings with expected.json. Weight files are not written here: the Swift tests write tensor headers
beside these side files.

Variants (each a directory):
  base       a byte-level BPE tokenizer trained on a fixed corpus, <s> </s> <unk> specials, chat template A,
             a 2-layer LlamaConfig (hidden 64, intermediate 128, 4 heads, 2 KV heads, vocab 300)
  added      the base tokenizer plus two added special tokens (ids 300, 301), same config
  merges     the same vocabulary with the first two applicable merges swapped (text splits differently)
  template   the base tokenizer with chat template B
  other      a tokenizer trained on another corpus (another vocabulary of the same size)
  rope       the base tokenizer, config with llama3 rope scaling and rope_theta 500000

Run: python3 -m venv /tmp/i23-venv && /tmp/i23-venv/bin/pip install tokenizers transformers jinja2
     /tmp/i23-venv/bin/python reference/tokenizer_fixtures.py
"""
import json
import os
import shutil

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, PreTrainedTokenizerFast

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "AnalysisTests", "Fixtures", "compatibility")
VOCAB = 300
SPECIALS = ["<unk>", "<s>", "</s>"]
CORPUS_A = [
    "the pretrained weight's singular basis tells where each update lives",
    "merging fine tuned models by task arithmetic adds their task vectors",
    "a tokenizer maps text to ids and the embedding maps ids to vectors",
    "rotary position embeddings rotate queries and keys by the position",
] * 20
CORPUS_B = [
    "zebras quietly juggle vexing polka dots in foggy kiosks",
    "wizards box jumping quick frogs over lazy sphinxes at dawn",
    "numbers like 0123456789 and symbols #$%&*@ appear rarely",
] * 20
TEMPLATE_A = "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
TEMPLATE_B = "{% for m in messages %}[{{ m['role'] | upper }}] {{ m['content'] }}\n{% endfor %}"


def train(corpus):
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer)
    return tokenizer


def fast(tokenizer, template):
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", chat_template=template)


def config(**extra):
    return LlamaConfig(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, max_position_embeddings=256, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False, **extra)


def swapped_merges(tokenizer):
    """The same vocabulary with the first two merges swapped whose order changes a corpus word's split."""
    state = json.loads(tokenizer.to_str())
    merges = state["model"]["merges"]
    for i in range(len(merges) - 1):
        for j in range(i + 1, min(i + 40, len(merges))):
            trial = json.loads(tokenizer.to_str())
            trial["model"]["merges"][i], trial["model"]["merges"][j] = merges[j], merges[i]
            candidate = Tokenizer.from_str(json.dumps(trial))
            if any(candidate.encode(text).ids != tokenizer.encode(text).ids for text in CORPUS_A[:4]):
                return candidate
    raise SystemExit("no merge swap changes the split")


def save(name, tokenizer, cfg):
    directory = os.path.join(OUT, name)
    tokenizer.save_pretrained(directory)
    cfg.save_pretrained(directory)
    return directory


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    base_bpe = train(CORPUS_A)
    variants = {
        "base": (fast(base_bpe, TEMPLATE_A), config()),
        "merges": (fast(swapped_merges(base_bpe), TEMPLATE_A), config()),
        "template": (fast(base_bpe, TEMPLATE_B), config()),
        "other": (fast(train(CORPUS_B), TEMPLATE_A), config()),
        "rope": (fast(base_bpe, TEMPLATE_A), config(rope_theta=500000.0, rope_scaling={
            "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 128})),
    }
    added = fast(Tokenizer.from_str(base_bpe.to_str()), TEMPLATE_A)
    added.add_special_tokens({"additional_special_tokens": ["<tool>", "</tool>"]})
    variants["added"] = (added, config())
    expected = {}
    base_vocab = variants["base"][0].get_vocab()
    for name, (tokenizer, cfg) in variants.items():
        save(name, tokenizer, cfg)
        vocab = tokenizer.get_vocab()
        same = sum(1 for token, i in base_vocab.items() if vocab.get(token) == i)
        base_by_id = {i: t for t, i in base_vocab.items()}
        by_id = {i: t for t, i in vocab.items()}
        differing = sorted(i for i in set(base_by_id) | set(by_id) if base_by_id.get(i) != by_id.get(i))
        base_merges = json.loads(variants["base"][0].backend_tokenizer.to_str())["model"]["merges"]
        merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
        expected[name] = {
            "size": len(vocab),
            "sharedShare": same / len(base_vocab),
            "addedIds": sorted(i for i in by_id if i not in base_by_id),
            "firstDifferingIds": differing[:5],
            "mergesIdentical": merges == base_merges,
            "chatTemplateIdentical": tokenizer.chat_template == variants["base"][0].chat_template,
            "splitDiffers": any(tokenizer.encode(t) != variants["base"][0].encode(t) for t in CORPUS_A[:4]),
            "config": {k: v for k, v in cfg.to_dict().items() if k in ("rope_theta", "rope_scaling", "rope_parameters", "vocab_size")},
        }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps({k: {kk: v[kk] for kk in ("size", "sharedShare", "addedIds", "mergesIdentical", "chatTemplateIdentical", "splitDiffers")} for k, v in expected.items()}, indent=1))


if __name__ == "__main__":
    main()
