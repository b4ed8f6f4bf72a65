"""A pool whose names look like a real company's customers, and what people type into the typeahead (issue 24).

Names share what real pools share: first words ("Global", "North"), word stems ("...wind", "...star"),
industry words ("Bank", "Health", "Foods") and legal forms ("Inc", "Group", "GmbH"), so one letter, a
common word or a shared prefix each match thousands. Seeded, so every run draws the same pool and queries.
"""

from __future__ import annotations

import random

FIRST = [
    "North",
    "South",
    "East",
    "West",
    "Global",
    "United",
    "First",
    "Blue",
    "Green",
    "Silver",
    "Pacific",
    "Atlantic",
    "Summit",
    "Pioneer",
    "Apex",
    "Vertex",
    "Nova",
    "Prime",
    "Metro",
    "Alpine",
    "Coastal",
    "Liberty",
    "Evergreen",
    "Horizon",
    "Sterling",
    "Crescent",
    "Harbor",
    "Cedar",
    "Maple",
    "Oak",
    "River",
    "Lake",
    "Golden",
    "Iron",
    "Royal",
    "Central",
    "National",
    "Allied",
    "Premier",
    "Heritage",
    "Frontier",
    "Union",
    "Capital",
    "Bright",
    "Clear",
    "Swift",
    "Bold",
    "Red",
    "Black",
    "White",
    "Grand",
    "Noble",
    "Modern",
    "Smart",
    "Open",
    "True",
    "Star",
]
STEMS = [
    "wind",
    "star",
    "field",
    "bridge",
    "gate",
    "point",
    "stone",
    "wood",
    "view",
    "light",
    "path",
    "ridge",
    "land",
    "crest",
    "way",
    "line",
    "works",
    "tech",
    "soft",
    "data",
]
INDUSTRY = [
    "Bank",
    "Health",
    "Foods",
    "Logistics",
    "Energy",
    "Insurance",
    "Retail",
    "Systems",
    "Labs",
    "Pharma",
    "Motors",
    "Capital",
    "Media",
    "Telecom",
    "Airlines",
    "Hotels",
    "Solutions",
    "Analytics",
    "Manufacturing",
    "Partners",
]
FORMS = ["Inc", "Group", "Ltd", "LLC", "GmbH", "AG", "Corp", "Holdings", "SA", ""]
CITIES = [
    "Denver",
    "Austin",
    "Boston",
    "Leeds",
    "Lyon",
    "Munich",
    "Osaka",
    "Perth",
    "Porto",
    "Quito",
    "Seoul",
    "Tampa",
    "Turin",
    "Utrecht",
    "Valencia",
    "Zurich",
    "Oslo",
    "Lima",
    "Dublin",
    "Cork",
    "Kyoto",
    "Malmo",
    "Graz",
    "Basel",
    "Bergen",
    "Aarhus",
    "Riga",
    "Tartu",
    "Split",
    "Brno",
]


def company_names(count: int, seed: int = 24) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        first = rng.choice(FIRST)
        head = f"{first}{rng.choice(STEMS)}" if rng.random() < 0.6 else first
        name = " ".join(w for w in (head, rng.choice(INDUSTRY), rng.choice(FORMS)) if w)
        if name.lower() in seen:
            name = f"{name} {rng.choice(CITIES)}"
        if name.lower() in seen:
            name = f"{name} {len(names)}"
        seen.add(name.lower())
        names.append(name)
    return names


# What people type, by kind: the kinds a typeahead must be fast for whatever the pool.
QUERY_KINDS = ("one letter", "two letters", "common word", "shared prefix", "name so far", "typo", "miss")


def queries(names: list[str], count: int, seed: int = 24) -> list[tuple[str, str]]:
    """`count` (kind, text) pairs, the kinds in turn."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for i in range(count):
        kind = QUERY_KINDS[i % len(QUERY_KINDS)]
        name = rng.choice(names)
        if kind == "one letter":
            text = rng.choice("abcdefghilmnoprstw")
        elif kind == "two letters":
            text = name[:2].lower()
        elif kind == "common word":
            text = rng.choice(INDUSTRY + ["Group", "Inc"]).lower()
        elif kind == "shared prefix":
            text = rng.choice(FIRST).lower()
        elif kind == "name so far":
            text = name[: rng.randint(4, len(name))]
        elif kind == "typo":
            cut = rng.randint(1, min(6, len(name) - 1))
            text = (name[:cut] + name[cut + 1 :])[:8]
        else:
            text = rng.choice(["zzqx", "qwvx", "xkcd corp", "jjjj"])
        out.append((kind, text))
    return out
