"""Detectors for personal details in transcript text. Pure functions, no Django.

Each detector yields Detection(start, end, kind); names come from the people
of the interview itself (speaker labels as typed in the file and participant
names), so "Dana" is caught in Dana's interview without guessing at every
capitalised word in the language.
"""

import re
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# International and national formats: +44 20 7946 0958, (415) 555-0132, 0151-496-0730.
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?!\w)")
CARD_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
ACCOUNT = re.compile(r"\b(?:account|acct|a/c|sort code|routing)(?: (?:number|no\.?|#))?[:\s#]*(\d[\d -]{5,20}\d)", re.I)
# Profile-style URLs: the path names a person.
PERSONAL_URL = re.compile(
    r"\b(?:https?://)?(?:www\.)?(?:linkedin\.com/in|facebook\.com|fb\.com|twitter\.com|x\.com|instagram\.com|"
    r"github\.com|medium\.com/@|tiktok\.com/@|calendly\.com)/?[\w.@%-]*[\w%-](?:/[\w.%-]*[\w%-])*",
    re.I,
)


@dataclass(frozen=True)
class Detection:
    start: int
    end: int
    kind: str


def luhn_valid(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for index, char in enumerate(digits):
        digit = int(char)
        if index % 2 == parity:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _emails(text):
    for m in EMAIL.finditer(text):
        yield Detection(m.start(), m.end(), "email")


def _urls(text):
    for m in PERSONAL_URL.finditer(text):
        yield Detection(m.start(), m.end(), "url")


def _cards(text):
    for m in CARD_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield Detection(m.start(), m.end(), "card")


def _accounts(text):
    for m in IBAN.finditer(text):
        yield Detection(m.start(), m.end(), "account")
    for m in ACCOUNT.finditer(text):
        yield Detection(m.start(1), m.end(1), "account")


def _phones(text):
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 7 <= len(digits) <= 15:
            yield Detection(m.start(), m.end(), "phone")


def _names(text, names: dict[str, str]):
    """names: {"Dana Buyer": "[PARTICIPANT 1]", ...}; full names first, then each part of 3+ letters."""
    variants = {}
    for full, placeholder in names.items():
        full = full.strip()
        if not full or full.lower() in ("unknown", "unknown speaker", "speaker"):
            continue
        variants.setdefault(full, placeholder)
        for part in re.split(r"[\s.-]+", full):
            if len(part) >= 3 and part[0].isupper():
                variants.setdefault(part, placeholder)
    for variant in sorted(variants, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(variant)}(?!\w)", text):
            yield Detection(m.start(), m.end(), "name"), variants[variant]


PLACEHOLDERS = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]", "account": "[ACCOUNT]", "url": "[URL]"}


def detect(text: str, names: dict[str, str] | None = None) -> list[tuple[Detection, str]]:
    """Non-overlapping detections with their placeholders, in text order.

    Earlier, more specific detectors win an overlap (an email is not also a name).
    """
    found: list[tuple[Detection, str]] = []
    taken: list[tuple[int, int]] = []

    def add(detection: Detection, placeholder: str):
        if any(detection.start < end and start < detection.end for start, end in taken):
            return
        taken.append((detection.start, detection.end))
        found.append((detection, placeholder))

    for detector in (_emails, _urls, _cards, _accounts, _phones):
        for detection in detector(text):
            add(detection, PLACEHOLDERS[detection.kind])
    for detection, placeholder in _names(text, names or {}):
        add(detection, placeholder)
    return sorted(found, key=lambda item: item[0].start)
