"""Encoding detection: BOMs, strict UTF-8, legacy code pages, damaged bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from curator.subtitles.alphabets import letter_fit
from curator.subtitles.encoding import BinaryDataError, decode_bytes
from curator.subtitles.loading import load_subtitles

SRT = "1\n00:00:01,000 --> 00:00:02,000\n{line}\n\n2\n00:00:03,000 --> 00:00:04,000\n{line}\n"


@pytest.mark.parametrize(
    "bom, codec, name",
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ],
)
def test_byte_order_marks(tmp_path: Path, bom: bytes, codec: str, name: str) -> None:
    path = tmp_path / "x.srt"
    path.write_bytes(bom + SRT.format(line="Ça va? (rires)").encode(codec))
    doc = load_subtitles(path)
    assert doc.encoding == name
    assert doc.cues[0].text == "Ça va? (rires)"


def test_utf16_without_bom() -> None:
    text = SRT.format(line="Hello")
    assert decode_bytes(text.encode("utf-16-le")).text == text
    assert decode_bytes(text.encode("utf-16-be")).text == text


@pytest.mark.parametrize(
    "line, codec",
    [
        ("Доброе утро, Бри! Как дела? Всё хорошо, спасибо.", "cp1251"),
        ("Tu dis ça à cette fille? C'était très drôle, vraiment génial.", "cp1252"),
        ("Gyermekkor. Apád itthon van? Jöjj beljebb, kérlek, őszintén.", "cp1250"),
        ("مرحبا بكم في هذا الفيلم الجميل. كيف حالك اليوم؟ أنا بخير، شكرا لك يا صديقي.", "cp1256"),
        ("宇宙守护神 保护我们远离邪恶 他们住在高楼", "gb2312"),
    ],
)
def test_legacy_code_pages(tmp_path: Path, line: str, codec: str) -> None:
    path = tmp_path / "x.srt"
    data = (SRT.format(line=line) * 8).encode(codec)
    path.write_bytes(data)
    doc = load_subtitles(path)
    # Several code pages can decode the same bytes identically; what matters is the text.
    assert data.decode(doc.encoding) == (SRT.format(line=line) * 8)
    assert doc.cues[0].text == line


# Each of these decodes, letter for letter, as another single-byte code page with no mess
# the detector sees (French cp1252 as cp1257 "trčs drōle", Turkish cp1254 as cp1250 …).
LOOKALIKES = {
    "cp1252": [
        "[rires] C'est très drôle, n'est-ce pas ? Où est-il allé ? Ça suffit ! Arrête.",
        "[risos] Isso é muito engraçado, não é? Chega! Pare já com isso, coração.",
        "[ride] È davvero divertente, vero? Più tardi andremo là, città o no, perché sì.",
    ],
    "cp1254": ["[gülüyor] Bu gerçekten çok komik, değil mi? Yeter! Hemen dur, duyuyor musun?"],
    "cp1250": ["(zokog) Sosem gondoltam, hogy visszatérek. Árvíztűrő tükörfúrógép, mondta ő."],
    "cp1257": ["(verkia) Niekada nemaniau, kad grįšiu į šiuos namus. Užteks! Ką tik čia buvo."],
}
# English with a short line in another script, or a few accented words: an early version of
# the letter tie-break read these as cp949, cp874 (Thai) and hp-roman8 (`cafÕ`, `Bj—rk`).
MIXED = [
    (["Let's go home.", "I don't know what happened.", "Where is my son?", "我不知道發生了什麼。"],
     "big5"),
    (["I don't know what happened.", "정말 고마워요.", "Where is my son?", "That's not it!"],
     "euc_kr"),
    (["I love you.", "Björk sang it.", "We're at the café.", "It's just a façade."], "cp1252"),
    (["Thank you so much.", "I don't know what happened.", "别担心，一切都会好的。"], "gbk"),
    (["Wait…what? I…I don't know…", "You’re late. I…I’m sorry…"], "cp1252"),
    (["Yo…no sé. ¿Qué pasa?…", "¿Dónde está?…"], "cp1252"),
    (["Ich…ich weiß es nicht…", "Schön…wirklich schön."], "cp1252"),
]


@pytest.mark.parametrize("codec, line", [(c, line) for c, lines in LOOKALIKES.items()
                                         for line in lines])
def test_lookalike_code_pages_are_told_apart_by_their_letters(codec: str, line: str) -> None:
    for repeats in (1, 40):
        text = SRT.format(line=line) * repeats
        assert decode_bytes(text.encode(codec)).text == text


@pytest.mark.parametrize("lines, codec", MIXED)
def test_english_with_a_line_of_another_script_or_a_few_accents(lines: list[str],
                                                                codec: str) -> None:
    text = "".join(SRT.format(line=line) for line in lines)
    assert decode_bytes(text.encode(codec)).text == text


def test_text_that_reads_poorly_in_every_code_page_is_decoded_with_a_warning() -> None:
    import random

    rng = random.Random(0)
    lines = []
    for _ in range(40):  # a fifth of the bytes garbled at random
        line = bytearray(b"What are you doing here tonight my friend")
        for i in range(len(line)):
            if rng.random() < 0.2:
                line[i] = rng.randint(0x80, 0xFF)
        lines.append(bytes(line))
    data = b"".join(b"%d\n00:00:01,000 --> 00:00:02,000\n" % i + line + b"\n\n"
                    for i, line in enumerate(lines, 1))
    decoded = decode_bytes(data)
    assert decoded.warnings, decoded.encoding  # never silently taken as a good reading


def test_letter_fit_prefers_one_languages_alphabet() -> None:
    assert letter_fit("C'est très drôle") == 1.0
    assert letter_fit("C'est trčs drōle") <= 0.5  # Czech č, Latvian ō: no one language
    assert letter_fit("perche\u0301 s\u0300") == 0.5  # é composes; s + grave does not
    assert letter_fit("plain ASCII") == 1.0
    assert letter_fit("Доброе утро") == 1.0
    assert letter_fit("drЁle trЁs") == 0.0  # another script inside Latin words: misread
    assert letter_fit("cafÕ faÓade") == 0.0  # a capital after a small letter
    assert letter_fit("o\u00adnly don\u2019t Wait…what café") == 1.0  # punctuation: fine
    assert letter_fit("我不知道。정말 고마워요") == 1.0  # one script each: Chinese, Korean


def test_strict_utf8_is_preferred() -> None:
    decoded = decode_bytes("Él llora. 我有个点子".encode())
    assert decoded.encoding == "utf-8" and decoded.warnings == ()


def test_mostly_utf8_with_a_broken_byte_is_replaced_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "x.srt"
    good = SRT.format(line="señora, qué tal, ¿cómo está?").encode()
    path.write_bytes(b"\xe9 " + good)  # one stray cp1252 byte in front of UTF-8 text
    doc = load_subtitles(path)
    assert doc.encoding == "utf-8"
    assert doc.warnings and doc.cues[0].text == "señora, qué tal, ¿cómo está?"


def test_forced_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.srt"
    path.write_bytes(SRT.format(line="café").encode("latin-1"))
    assert load_subtitles(path, encoding="latin-1").cues[0].text == "café"


def test_forced_wrong_encoding_replaces_and_warns() -> None:
    decoded = decode_bytes("café".encode("latin-1"), encoding="utf-8")
    assert "\ufffd" in decoded.text and decoded.warnings


@pytest.mark.parametrize("data", [b"\x00\x00\x01\x02" * 20, b"\x01\x02\x03\x04 text" * 50])
def test_binary(data: bytes) -> None:
    with pytest.raises(BinaryDataError):
        decode_bytes(data)


# One short cue reads as well in another script's code page (Hebrew as Cyrillic, Russian in
# Mac Cyrillic as KOI8-R) or a sibling one (Lithuanian `Ši` as Icelandic `Ði`): the language,
# from --lang or the file name, settles it. (Some of these the detection gets right alone.)
HINTED = [
    ("he", "cp1255", "(בוכה) היא תמיד הייתה כאן."),
    ("th", "cp874", "[หัวเราะ] ตลกมากเลย"),
    ("it", "cp1252", "[ride] È davvero divertente."),
    ("fr", "cp850", "(sanglote) Elle était là, à côté de moi."),
    ("ru", "mac_cyrillic", "(рыдает) Она всегда была здесь."),
    ("lt", "cp1257", "Ši daina labai graži."),
    ("ja", "euc_jp", "[笑う] 本当に面白いね。"),
]


@pytest.mark.parametrize("lang, codec, line", HINTED)
def test_a_language_hint_picks_that_languages_code_page(lang: str, codec: str,
                                                        line: str) -> None:
    text = f"1\n00:00:01,000 --> 00:00:03,000\n{line}\n"
    assert decode_bytes(text.encode(codec), lang=lang).text == text


@pytest.mark.parametrize("lang, codec, line", [h for h in HINTED if h[0] in ("he", "ru", "lt")])
def test_without_the_hint_these_are_misread(lang: str, codec: str, line: str) -> None:
    text = f"1\n00:00:01,000 --> 00:00:03,000\n{line}\n"
    assert decode_bytes(text.encode(codec)).text != text  # what the hint is for


@pytest.mark.parametrize("lines", [
    ["Elle était là, à côté de moi."],  # cp1257 alone came back from the detector
    ["Déjà fini ?"],  # `Déjŕ` in cp1250: Slovak letters, no mess either
    ["Subtitles by X", "It's worth £5,000.", "The Pietà.", "The Velásquezes, again."],
])
def test_a_few_accented_words_in_cp1252_are_read_as_cp1252(lines: list[str]) -> None:
    """Short files and English ones with a few accented words give the detector little to go
    on: readings that fit as well are decided for the commoner code page, and the common
    code pages are read when the detector's own answers fit no language."""
    text = "".join(f"{i}\n00:00:0{i},000 --> 00:00:0{i},500\n{line}\n\n"
                   for i, line in enumerate(lines, 1))
    decoded = decode_bytes(text.encode("cp1252"))
    assert (decoded.text, decoded.encoding) == (text, "cp1252")


def test_a_wrong_language_hint_is_not_trusted() -> None:
    text = SRT.format(line="Доброе утро, Бри! Как дела? Всё хорошо, спасибо.") * 4
    assert decode_bytes(text.encode("cp1251"), lang="it").text == text


def test_a_symbol_inside_a_word_is_a_misreading() -> None:
    assert letter_fit("v‚rit‚ c“t‚") < 0.5  # cp850 French read as cp1252
    assert letter_fit("[¶mieje się]", "pl") == 0.5  # ISO-8859-2 read as cp1250
    assert letter_fit("col·lecció, don´t, 30°C, Wait…what") == 1.0
    assert letter_fit("我不知道。是") == 1.0


def test_letter_fit_for_one_language() -> None:
    assert letter_fit("trčs", "fr") == 0.0 and letter_fit("très", "fr") == 1.0
    assert letter_fit("Ќна", "ru") < 1.0 and letter_fit("Она", "ru") == 1.0


def test_iso2022_jp_is_not_taken_for_utf8() -> None:
    """Its bytes are 7-bit: read as UTF-8 they were `$BF|K\\8l$G$9`, with no warning."""
    text = SRT.format(line="（泣く）彼女はいつもここにいた。")
    decoded = decode_bytes(text.encode("iso2022_jp"))
    assert (decoded.text, decoded.warnings) == (text, ())


# A title word taken for a language code (`Stephen.Kings.It.srt`, `Film.en.srt` that is a
# translation): the hinted code pages misread the text into letters the hinted alphabet
# holds (Czech `č ě ů` as Italian `è ì ù`), or, for `en`, into letters of any alphabet.
WRONG_HINTS = [
    ("it", "cp1250", ["Nevím, co se stalo.", "Kde jsi? Hledal jsem tě všude.",
                      "To byla moje žena.", "Děkuji moc, paní doktorko.",
                      "Je mi špatně, musím jít."]),
    ("en", "cp1250", ["Nem tudom, mi történt.", "Hol vagy? Mindenhol kerestelek.",
                      "Ő volt a feleségem.", "Köszönöm szépen, doktornő.",
                      "Rosszul érzem magam, mennem kell.", "Gyere ide, gyorsan!",
                      "Reggel óta sír."]),
]


@pytest.mark.parametrize("lang, codec, lines", WRONG_HINTS)
def test_a_wrong_hint_whose_alphabet_fits_the_misreading_is_not_trusted(
    lang: str, codec: str, lines: list[str]
) -> None:
    text = "".join(f"{i}\n00:00:0{i},000 --> 00:00:0{i},500\n{line}\n\n"
                   for i, line in enumerate(lines, 1))
    assert decode_bytes(text.encode(codec)).text == text  # read right without the hint
    assert decode_bytes(text.encode(codec), lang=lang).text == text


def test_a_bullet_inside_a_word_is_a_misreading() -> None:
    assert letter_fit("Se•or pi•ata") < 1.0  # Mac Roman `Señor piñata` read as Mac Greek
