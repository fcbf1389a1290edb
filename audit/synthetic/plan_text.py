"""Synthetic EHC plan text with known defects and look-alike negatives, labelled: never real plans.

`labelled_plans(seed, n)` gives plans as data: each section's paragraphs (F and E items one by one) and, for
every passage, the pre-check rules that should flag it. audit/synthetic/plan_documents.py writes them as
DOCX (three template styles) and PDF; tests measure each rule's precision and recall against the labels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

NAMES = ("Sam", "Amira", "Leo", "Maya", "Kai", "Ruby", "Theo", "Zara", "Alfie", "Isla", "Noah", "Esme")
NEEDS = {
    "communication": "{n} has delayed expressive and receptive language and finds it hard to follow spoken "
                     "instructions.",
    "literacy": "{n} has difficulties with reading and spelling, and is working below age-related expectations "
                "in phonics.",
    "emotional": "{n} becomes anxious in busy places and finds it hard to regulate emotions.",
    "sensory": "{n} is sensitive to noise and seeks sensory input to stay calm.",
    "numeracy": "{n} has difficulty with number, counting and early calculation.",
    "social": "{n} finds friendships and social interaction with peers difficult.",
    "motor": "{n} has fine motor difficulties that affect handwriting and using scissors.",
    "attention": "{n} finds it hard to keep attention and concentration in lessons.",
}
# Quantified, with a deliverer. Some use a vague word inside a quantified sentence (look-alike negatives).
GOOD_F = {
    "communication": ["Individual speech and language therapy from a qualified speech and language therapist, "
                      "three 30-minute sessions a week, reviewed termly.",
                      "Access to a weekly 30-minute language group led by the speech and language therapist, "
                      "for the whole school year."],
    "literacy": ["Daily 20-minute phonics sessions in a group of no more than four, delivered by a trained "
                 "teaching assistant.",
                 "A regular weekly 45-minute session with the specialist teacher to teach reading and spelling "
                 "strategies."],
    "emotional": ["A weekly 30-minute ELSA session with a trained emotional literacy support assistant to help "
                  "{n} name and regulate emotions, for two terms."],
    "sensory": ["A sensory diet planned by the occupational therapist, delivered by a teaching assistant for "
                "10 minutes three times a day."],
    "numeracy": ["Small group maths and number intervention with a teaching assistant, three 30-minute sessions "
                 "a week."],
    "social": ["A social skills group led by the SENCO, one 40-minute session each week for the school year, "
               "to practise turn-taking with peers."],
    "motor": ["A fine motor and handwriting programme set by the occupational therapist and delivered by a "
              "trained teaching assistant for 15 minutes daily."],
    "attention": ["Opportunities to take a movement break with a teaching assistant for 5 minutes every lesson, "
                  "to support attention and concentration."],
}
# Unquantified (f-unquantified); they name a deliverer.
VAGUE_F = {
    "communication": ["Access to speech and language therapy from a speech and language therapist.",
                      "Support from the speech and language therapist as needed."],
    "literacy": ["Regular support from a teaching assistant with reading and spelling as appropriate.",
                 "Reading support from a teaching assistant."],
    "emotional": ["Ongoing support with regulating emotions from a trained adult."],
    "sensory": ["{n} may benefit from sensory breaks with a teaching assistant."],
    "numeracy": ["Support from a teaching assistant with maths and number work when needed."],
    "social": ["Opportunities to develop friendships with peers, supported by staff as required."],
    "motor": ["Handwriting practice with a teaching assistant where possible."],
    "attention": ["Regular movement breaks with an adult to help attention and concentration."],
}
# Quantified, but no one named (f-no-deliverer).
NOBODY_F = {
    "communication": ["Three 30-minute sessions a week of speech and language work in a small group."],
    "literacy": ["Daily 20-minute phonics sessions in a group of four."],
    "emotional": ["A daily 10-minute check-in each morning to talk about worries and emotions."],
    "sensory": ["A sensory circuit for 15 minutes every morning before lessons."],
    "numeracy": ["Three 20-minute number sessions a week using concrete apparatus."],
    "social": ["A weekly 40-minute social skills group with peers for the school year."],
    "motor": ["Daily 15-minute fine motor activities for handwriting."],
    "attention": ["A visual timetable and a 5-minute movement break every lesson for attention."],
}
GOOD_E = ["By the end of Key Stage 2, {n} will be able to read 100 common exception words independently.",
          "Within 12 months, {n} will ask an adult for help in 4 out of 5 opportunities.",
          "By July 2028, {n} will use a visual timetable to move between activities without adult prompting on "
          "4 out of 5 days.",
          "By the end of Year 7, {n} will write three connected sentences using full stops and capital letters.",
          "By the end of Key Stage 3, {n} will improve handwriting so that {n} can copy 20 words in 5 minutes.",
          "By the end of the school year, {n} will take part in a game with two peers for 10 minutes, taking "
          "turns without adult support."]
BAD_E = ["{n} will improve confidence.", "{n} will develop better social skills and make friends.",
         "By the end of Year 6, {n} will be happier at school.",
         "{n} will be able to count to 20 independently.",
         "{n} will make progress in reading by next year.", "{n} will understand emotions better."]
CHILD_A = ['{n} told us: "I like Lego and drawing. I want to be a vet when I grow up." Mum says {n} is kind.',
           "{n} communicates using symbols and showed us by pointing that they enjoy music and the trampoline. "
           "Their parents would like them to be more independent.",
           "What I like: swimming, my dog and my tablet. What I find hard: noisy classrooms. My parents say I am "
           "funny.",
           "In {n}'s own words, school is \"too loud at lunchtime\". Dad says {n} loves football."]
PARENT_A = ["Mum says {n} enjoys football and wants {n} to have more friends. Parents feel that school is going "
            "well.",
            "My son loves trains and is very sociable. As his parents we would like him to attend the local "
            "school.",
            "{n}'s views were not available at the time of writing. The school reports that {n} enjoys art."]
FILLED = {"C": "{n} has asthma, managed with an inhaler kept in the classroom.",
          "D": "{n} receives short breaks from the children's disability team.",
          "G": "The school nurse will train staff in inhaler use each September.",
          "H": "{n} will receive a short break of 3 hours every fortnight under section 2 of the CSDPA 1970."}
NONE_SAID = {"C": ["No health needs have been identified.", "No health needs were identified at this assessment."],
             "D": ["{n} is not known to social care and no social care needs have been identified.",
                   "There are no social care needs."],
             "G": ["No health provision is required.", "There is no health provision because no needs were "
                   "identified."],
             "H": ["No social care provision is required.", "No social care needs have been identified."]}
BLANKS = ("", "N/A", "None", "TBC", "-")


@dataclass
class LabelledPlan:
    ref: str
    name: str
    style: str
    sections: dict[str, list[str]] = field(default_factory=dict)
    themes_f: dict[int, str] = field(default_factory=dict)  # F item index -> its theme (for table layouts)
    # (rule id, section letter, passage text or '' for a whole-section rule)
    labels: set[tuple[str, str, str]] = field(default_factory=set)


def labelled_plan(rng: random.Random, ref: str, style: str) -> LabelledPlan:
    name = rng.choice(NAMES)
    plan = LabelledPlan(ref, name, style)
    fill = lambda text: text.format(n=name)  # noqa: E731
    themes = rng.sample(sorted(NEEDS), rng.randint(2, 4))
    missing = themes[-1] if rng.random() < 0.3 else None  # a need with no provision
    extra = rng.choice([t for t in NEEDS if t not in themes]) if rng.random() < 0.3 else None
    plan.sections["A"] = [fill(rng.choice(CHILD_A if rng.random() < 0.7 else PARENT_A))]
    if plan.sections["A"][0] in {fill(t) for t in PARENT_A}:
        plan.labels.add(("a-no-child-voice", "A", ""))
    plan.sections["B"] = [fill(NEEDS[t]) for t in themes]
    if missing:
        plan.labels.add(("thread-need-no-provision", "B", fill(NEEDS[missing])))
    f_items: list[tuple[str, str]] = []
    for theme in [t for t in themes if t != missing] + ([extra] if extra else []):
        roll = rng.random()
        if roll < 0.25:
            text, rules = fill(rng.choice(VAGUE_F[theme])), ["f-unquantified"]
        elif roll < 0.4:
            text, rules = fill(rng.choice(NOBODY_F[theme])), ["f-no-deliverer"]
        else:
            text, rules = fill(rng.choice(GOOD_F[theme])), []
        if theme == extra:
            rules = rules + ["thread-provision-no-need"]
        f_items.append((theme, text))
        plan.labels.update((rule, "F", text) for rule in rules)
    plan.sections["F"] = [text for _, text in f_items]
    plan.themes_f = {i: theme for i, (theme, _) in enumerate(f_items)}
    outcomes = rng.sample(GOOD_E, 2) + (rng.sample(BAD_E, rng.randint(1, 2)) if rng.random() < 0.5 else [])
    rng.shuffle(outcomes)
    plan.sections["E"] = [fill(o) for o in outcomes]
    plan.labels.update(("e-not-smart", "E", fill(o)) for o in outcomes if o in BAD_E)
    for letter in ("C", "D", "G", "H"):
        roll = rng.random()
        if roll < 0.2:
            plan.sections[letter] = [rng.choice(BLANKS)]
            plan.labels.add(("blank-section", letter, ""))
        elif roll < 0.6:
            plan.sections[letter] = [fill(rng.choice(NONE_SAID[letter]))]
        else:
            plan.sections[letter] = [fill(FILLED[letter])]
    plan.sections["I"] = ["Oakfield Primary School, a mainstream primary school."]
    plan.sections["J"] = ["No personal budget has been requested."]
    plan.sections["K"] = ["Educational psychology advice, 3 March 2026; speech and language therapy advice."]
    return plan


STYLES = ("section-colon", "letter-bold", "titles-table", "pdf")


def labelled_plans(seed: int, n: int, styles: tuple[str, ...] = STYLES, area_code: str = "DEMO") -> list[LabelledPlan]:
    """`n` labelled synthetic plans, styles in turn; the same seed gives the same plans."""
    rng = random.Random(seed)
    return [labelled_plan(rng, f"{area_code}-{seed % 100:02d}{i:06d}", styles[i % len(styles)]) for i in range(n)]
