"""The words the pre-check looks for: amounts, frequencies, durations, deliverers, time frames, measures,
vague phrases, the child's own voice and "no needs identified" statements. Plain regular expressions,
so the pre-check runs offline with no model (docs/decisions.md, issue 20)."""

from __future__ import annotations

import re

_NUM = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|" \
       r"forty-five|sixty|a|an|half an?)"
_PERIOD = r"(?:day|week|fortnight|month|term|half[- ]term|year|lesson|school day)"
FREQUENCY = re.compile(
    rf"\b(?:daily|weekly|fortnightly|monthly|termly|every (?:day|morning|afternoon|lesson|week|school day)|"
    rf"each (?:day|morning|week|lesson|term)|"
    rf"(?:times?|sessions?|lessons?|visits?|periods?|blocks?|hours?)\s+(?:a|an|per|each|every)\s+{_PERIOD}|"
    rf"(?:once|twice)\s+(?:a|an|per|each|every)\s+{_PERIOD}|"
    rf"{_NUM}[- ](?:minutes?|mins?|hours?|hrs?)\s+(?:a|an|per|each|every)\s+{_PERIOD}|"
    rf"per {_PERIOD}|full[- ]time|throughout the school day|all (?:lessons|unstructured times)|"
    rf"at (?:all|every) (?:times|lesson|break))",
    re.IGNORECASE)
DURATION = re.compile(
    rf"\b(?:{_NUM}[- ](?:minutes?|mins?|hours?|hrs?|weeks?|terms?|months?)\b|full[- ]time|throughout|"
    rf"all day|for the (?:rest of the |whole )?(?:school )?(?:year|term|key stage)|until|whole school day|"
    rf"for the duration|each lesson|every lesson|all lessons|reviewed (?:termly|half[- ]termly|annually|"
    rf"every|at)|\d+:\d+|\bratio\b)",
    re.IGNORECASE)
DELIVERER = re.compile(
    r"\b(?:teachers?|teaching assistants?|TAs?|HLTAs?|SENCOs?|therapists?|psychologists?|specialists?|"
    r"practitioners?|nurses?|(?:support )?staff|adults?|key ?workers?|mentors?|tutors?|assistants?|"
    r"ELSAs?|coach(?:es)?|instructors?|counsellors?|paediatricians?|physiotherapists?|workers?|"
    r"delivered by|led by|provided by|qualified|trained|advisory teacher|learning support)\b", re.IGNORECASE)
VAGUE = re.compile(
    r"\b(?:regular(?:ly)?|access to|opportunit(?:y|ies) to|as appropriate|as needed|as required|when needed|"
    r"ongoing|may benefit from|would benefit from|where possible|if necessary|some support|"
    r"support as necessary)\b", re.IGNORECASE)
TIME_FRAME = re.compile(
    r"\b(?:by (?:the )?(?:end of |start of |summer |spring |autumn )?(?:key stage \d|ks\s?\d|year \d+|"
    r"(?:summer|spring|autumn) (?:term|half[- ]term)|term|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|\d{4}|the (?:academic |school )?year|his|her|their|next)|"
    r"within (?:the next )?(?:\d+|one|two|three|six|twelve) (?:weeks?|months?|terms?|years?)|"
    r"in (?:\d+|one|two|three|six|twelve) (?:weeks?|months?|terms?)|"
    r"(?:next|this) (?:academic )?(?:year|term)|before (?:transition|moving|the end))\b",
    re.IGNORECASE)
MEASURE = re.compile(
    r"\b(?:\d+ (?:out )?(?:of|in) \d+|\d+\s?%|\d+ (?:times|words|minutes|steps|sentences|metres|occasions|"
    r"sessions|days|letters|numbers|sounds)|out of (?:\d+|five|ten)|without (?:adult )?(?:prompting|"
    r"support|help|reminders)|independently|on (?:\d+|three|four|five) (?:out of|of|occasions)|"
    r"(?:three|four|five|six|ten|twenty) (?:times|words|steps|sentences|occasions|minutes)|"
    r"at least \w+|up to \d+|(?:count|read|write|name|use|identify|spell|ask|tell|walk|dress) [^.]{0,60}"
    r"\b(?:\d+|three|four|five|six|ten|twenty)\b)",
    re.IGNORECASE)
UNMEASURABLE = re.compile(r"\b(?:improve|develop|increase|be happier|feel|understand|enjoy|be more|become more|"
                          r"grow|gain confidence|make progress)\b", re.IGNORECASE)
NO_NEEDS = re.compile(
    r"\b(?:no (?:identified |additional |current |specific )?(?:\w+ )?(?:needs?|provision|concerns?)\b[^.]{0,60}"
    r"(?:identified|assessed|required|at this time|known)|no (?:\w+ )?(?:\w+ )?needs? (?:have been|has been|were|"
    r"was) identified|not (?:known to|eligible for|assessed as having)|(?:does|do) not (?:have|require|meet)|"
    r"there are no\b|none identified|not applicable because)", re.IGNORECASE)
PLACEHOLDER = re.compile(r"^\W*(?:n/?a|none|nil|tbc|tba|to follow|to be (?:confirmed|completed|added)|"
                         r"see (?:above|below|appendix)|-+|\.+)?\W*$", re.IGNORECASE)
PARENT = re.compile(r"\b(?:mum|mother|dad|father|parents?|carers?|grandparents?|foster carers?|family)\b.{0,40}"
                    r"\b(?:says?|said|told|reports?|feels?|thinks?|would like|wants?|describes?)\b|"
                    r"\bmy (?:son|daughter|child|grandson|granddaughter)\b|\bas (?:his|her|their) parents?\b",
                    re.IGNORECASE)
CHILD_VOICE = re.compile(
    r"(?:\bI(?:'m|'d|'ve)?\b(?! think (?:he|she|they))|\bme\b|\bmy\b|\bwe\b|[\"“][^\"”]{3,}[\"”]|"
    r"\b(?:told|tells|showed|shows|communicated|communicates|indicated|indicates|said|says|chose|"
    r"expressed|signed|pointed)\b[^.]{0,30}\b(?:us|me|staff|the (?:EP|educational psychologist|officer|"
    r"SENCO|assessor|teacher))\b|\bin (?:his|her|their) own words\b|\bby (?:pointing|signing|using "
    r"(?:symbols|pictures|PECS|eye gaze|Makaton|his|her|their))|(?:his|her|their) views (?:were|was) "
    r"(?:gathered|sought|captured))", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph (a table row counts as one)."""
    parts = re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”']))\s+(?=[A-Z\"“])", text.strip())
    return [p.strip() for p in parts if p.strip()]


def quantified(text: str) -> bool:
    """Says how often and for how long (or a standing arrangement such as full time)."""
    return bool(FREQUENCY.search(text)) and bool(DURATION.search(text))
