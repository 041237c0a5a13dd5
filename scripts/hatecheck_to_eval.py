#!/usr/bin/env python3
"""Convert HateCheck / Multilingual HateCheck test cases into tocsin's
labelled JSONL, so that `tocsin eval` can measure quality on them.

Datasets (neither is shipped with tocsin; download them yourself):

- HateCheck: Paul Röttger, Bertie Vidgen, Dong Nguyen, Zeerak Waseem, Helen
  Margetts and Janet Pierrehumbert (2021), "HateCheck: Functional Tests for
  Hate Speech Detection Models", ACL 2021. Data: the file
  `test_suite_cases.csv` of https://github.com/paul-rottger/hatecheck-data
  (3,728 English cases in 29 functional tests). Licence: CC BY 4.0.
- Multilingual HateCheck (MHC): Paul Röttger, Haitham Seelawi, Debora Nozza,
  Zeerak Talat and Bertie Vidgen (2022), "Multilingual HateCheck: Functional
  Tests for Multilingual Hate Speech Detection Models", WOAH 2022. Data: the
  files `MHC Final Cases/hatecheck_cases_final_<language>.csv` of
  https://github.com/rewire-online/multilingual-hatecheck (10 languages).
  Licence: CC BY 4.0.

Both are CC BY 4.0: keep the attribution above with any copy or derived file,
and keep the converted files out of this repository.

Usage:
    python3 scripts/hatecheck_to_eval.py test_suite_cases.csv en > hatecheck_en.jsonl
    python3 scripts/hatecheck_to_eval.py hatecheck_cases_final_french.csv fr > mhc_fr.jsonl
    tocsin eval hatecheck_en.jsonl --by functionality

Output: one JSON object per line,
    {"id", "text", "label": "hateful"|"non-hateful", "lang", "functionality", "target"}
- id: `hatecheck-<case_id>` for the English file, the MHC `mhc_case_id`
  (e.g. `french-12`) for the multilingual files;
- text: `test_case` with leading/trailing whitespace removed (HateCheck ends
  most cases with a space);
- label: `label_gold`; functionality: `functionality`;
- target: `target_ident` ("" where the case names no protected group).
Rows whose `test_case` is empty or "-" (MHC placeholders for templates not
realised in a language) are skipped and counted on stderr.

Both files' column names are recognised (HateCheck: `case_id`; MHC:
`mhc_case_id`); any other layout is refused. Python 3 standard library only.
"""

import csv
import json
import sys

LABELS = {"hateful", "non-hateful"}


def convert(path, lang, out):
    """Writes the JSONL for `path` to `out`; returns the number of cases."""
    n = skipped = 0
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or ())
        if "mhc_case_id" in cols:
            id_of = lambda row: row["mhc_case_id"].strip()
        elif "case_id" in cols:
            id_of = lambda row: "hatecheck-" + row["case_id"].strip()
        else:
            raise SystemExit(f"{path}: neither `case_id` (HateCheck) nor `mhc_case_id` (MHC) column")
        missing = {"functionality", "test_case", "label_gold", "target_ident"} - cols
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            text = (row["test_case"] or "").strip()
            if text in ("", "-"):
                # MHC has placeholder rows ("-") for templates that were not
                # realised in a language (e.g. french-1126); they are no test case.
                skipped += 1
                continue
            label = row["label_gold"].strip()
            if label not in LABELS:
                raise SystemExit(f"{path}: record ending line {reader.line_num}: label_gold {label!r}")
            case = {
                "id": id_of(row),
                "text": text,
                "label": label,
                "lang": lang,
                "functionality": row["functionality"].strip(),
                "target": (row["target_ident"] or "").strip(),
            }
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
            n += 1
    if skipped:
        print(f"{path}: skipped {skipped} placeholder row(s) without text", file=sys.stderr)
    return n


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    n = convert(argv[1], argv[2], sys.stdout)
    print(f"{n} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
