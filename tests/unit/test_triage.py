"""Reply triage: what a caller's text means, and whether a person must call back."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup.cli import main
from followup.replies.triage import CALLBACK, Category, triage
from followup.replies.triage.evaluate import evaluate, load_jsonl

DATA = Path(__file__).parents[2] / "data" / "triage" / "train"
# Regression floors: the first sets the rules were tuned on, and that the model is trained on.
# They say nothing about new replies; first-contact figures (docs/triage.md) do.
SETS = ["tuned_dev.jsonl", "tuned_holdout.jsonl", "tuned_fresh.jsonl"]


@pytest.fixture(scope="module", params=SETS)
def measured(request):
    with open(DATA / request.param, encoding="utf-8") as handle:
        return evaluate(load_jsonl(handle))


# --- the labelled sets ------------------------------------------------------------------------


def test_the_development_set_covers_every_category_in_both_languages():
    with open(DATA / "tuned_dev.jsonl", encoding="utf-8") as handle:
        rows = load_jsonl(handle)

    assert len(rows) >= 400
    assert {row["cat"] for row in rows} == {c.value for c in Category}
    assert sum(row["lang"] == "es" for row in rows) >= 100
    assert sum(row["lang"] not in ("en", "es") for row in rows) >= 20


def test_nobody_in_danger_is_missed(measured):
    assert measured.recall("crisis").value == 1.0, [
        m["text"] for m in measured.misses if m["want"] == "crisis"
    ]
    assert measured.flag_recall("urgent").value == 1.0


def test_no_one_is_opted_out_who_did_not_ask(measured):
    assert measured.flag_precision("opt_out").value == 1.0
    assert measured.precision("opt_out").value == 1.0


def test_every_category_meets_its_threshold(measured):
    thresholds = {
        "crisis": (0.95, 1.0),
        "opt_out": (1.0, 0.95),
        "conduct": (0.9, 0.85),
        "unresolved": (0.85, 0.9),
        "negative": (0.9, 0.85),
        "question": (0.9, 0.9),
        "positive": (0.9, 0.9),
        "neutral": (0.85, 0.85),
        "wrong_number": (0.9, 0.85),
        "help": (1.0, 1.0),
        "opt_in": (1.0, 0.8),
        "other": (0.85, 0.95),
    }
    for category, (precision, recall) in thresholds.items():
        assert measured.precision(category).value >= precision, (category, "precision")
        assert measured.recall(category).value >= recall, (category, "recall")


def test_callbacks_are_found_and_rarely_raised_for_nothing(measured):
    assert measured.flag_recall("callback").value >= 0.97
    assert measured.flag_precision("callback").value >= 0.97


# --- the result ---------------------------------------------------------------------------


def test_a_result_is_immutable_and_explains_itself():
    result = triage("the officer was rude and it took 3 hours")

    assert result.category == Category.NEGATIVE
    assert result.callback and not result.urgent and not result.opt_out
    assert result.language == "en"
    assert result.reasons and all(isinstance(r, str) for r in result.reasons)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.category = Category.POSITIVE  # type: ignore[misc]


def test_the_same_text_always_gets_the_same_answer():
    text = "Gracias, pero nadie me ha llamado del caso"

    assert {triage(text) for _ in range(5)} == {triage(text)}


@pytest.mark.parametrize("category", list(Category))
def test_callback_follows_the_category(category):
    assert (category in CALLBACK) == (
        category.value in {"unresolved", "negative", "conduct", "crisis", "question"}
    )


# --- compliance keywords ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        "STOP!!",
        " stopall ",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "QUIT",
        "opt out",
        "OPTOUT",
        "revoke",
        "PARAR",
        "baja",
        "Alto",
        "stop please",
        "STOP STOP",
    ],
)
def test_carrier_keywords_as_the_whole_message_opt_out(text):
    result = triage(text)

    assert (result.category, result.opt_out, result.callback) == (Category.OPT_OUT, True, False)


@pytest.mark.parametrize(
    "text",
    [
        "stop texting me",
        "please remove my number from this list",
        "don't text this number again",
        "no me manden más mensajes",
        "dejen de escribirme por favor",
        # Wordings added from the training sets' misses (2026-12-04), in words of our own
        "I withdraw my consent to receive these texts",
        "i'd rather not get these again",
        "how can i make the texts stop coming",
        "quit sending me these surveys",
        "no vuelvan a textearme",
        "que hago para que no me lleguen mas mensajes",
    ],
)
def test_unambiguous_sentences_opt_out(text):
    assert triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    [
        "he won't stop calling me",
        "how do I make the harassment stop",
        "cancel my faith in you",
        "I stopped by the station yesterday",
        "the fight ended before they came",
        "stop by my house anytime",
        "quit wasting my time",
        "he keeps texting me threats",
        "Can I withdraw my consent to the search of my car?",
        "I don't want them near my kids",
    ],
)
def test_look_alikes_never_opt_out(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text, category",
    [
        ("START", Category.OPT_IN),
        ("unstop", Category.OPT_IN),
        ("HELP", Category.HELP),
        ("info", Category.HELP),
    ],
)
def test_start_and_help_keywords(text, category):
    assert triage(text).category == category


@pytest.mark.parametrize(
    "text",
    [
        "START 之前不小心退订了 还想收到",  # START: I unsubscribed by mistake, I still want them
        "start. i hit unsubscribe by accident",
        "I said STOP last week but START again please",
    ],
)
def test_a_reply_that_asks_to_start_is_never_opted_out_by_the_stop_it_mentions(text):
    result = triage(text)

    assert not result.opt_out and result.category != Category.OPT_OUT
    assert result.category == Category.OPT_IN or result.callback  # else a person reads it


@pytest.mark.parametrize(
    "text",
    [
        "Big sale today 50% off at Lucky Mart! Reply STOP to unsubscribe",
        "【美团】您的优惠券即将过期，点击领取 回TD退订",
        "(광고) 대출 한도 무료 조회 지금 바로 확인하세요 무료수신거부 080-123-4567",
        "Promoção imperdível! Responda SAIR para não receber mais",
        "Soldes -50% ! STOP au 36173",
        "Khuyen mai lon! Tu choi QC soan TC gui 789",
        "Скидки до 70%! Для отписки отправьте STOP на 1234",
    ],
)
def test_a_forwarded_adverts_unsubscribe_line_does_not_stop_our_texts(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    [
        "text STOP to 12345 lol no. just stop texting me",
        "回复TD退订是吧 那我回TD",  # "reply TD to unsubscribe, right? then I reply TD"
    ],
)
def test_a_request_to_stop_beside_a_quoted_unsubscribe_line_still_stops(text):
    assert triage(text).opt_out


@pytest.mark.parametrize(
    "text, language",
    [
        ("udalite moj nomer pozhalujsta, bolshe ne nado pisat", "ru"),  # Russian in Latin letters
        ("toi khong hieu tai sao canh sat chua goi lai cho toi", "vi"),  # Vietnamese, no marks
        ("ana mabsoota jiddan mn el shorta, shukran", "ar"),  # Arabizi
        ("dyakuyu, vse dobre, politsiya pryyikhala shvydko", "uk"),  # Ukrainian in Latin letters
        ("Grazie mille per l'aiuto, tutto bene adesso", "it"),  # and a language not read stays
        ("dziekuje bardzo za pomoc, wszystko w porzadku", "pl"),
    ],
)
def test_a_reply_in_latin_letters_is_named_in_the_language_it_is_written_in(text, language):
    """Lingua alone took the first four for Polish, French, Somali and Tagalog; the commander
    needs the right interpreter and the caller the safety text in their own language."""
    assert triage(text).language == language


@pytest.mark.parametrize(
    "text",
    [
        "동네 뉴스레터는 unsubscribe 하고 싶은데 이 문자는 계속 받아도 돼요",  # the newsletter
        "how do i unsubscribe from the church newsletter",
        "wa2ef barra el bet, shukran",  # Arabizi: standing outside the house (not "stop")
    ],
)
def test_unsubscribing_from_something_else_or_standing_is_not_an_opt_out(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    [
        "Вы ничего не сделали, машину так и не нашли. И хватит мне писать!",
        "Vô dụng thật sự, gọi 2 lần mới có người tới. Đừng nhắn tin cho tôi nữa.",
    ],
)
def test_a_complaint_that_also_stops_the_texts_in_another_language_reaches_a_person(text):
    result = triage(text)

    assert result.opt_out and result.callback
    assert result.category in {Category.NEGATIVE, Category.UNRESOLVED, Category.CONDUCT}


@pytest.mark.parametrize(
    "text",
    [
        # he left the house with a knife and was caught, thank God; we are safe now (the model
        # alone reads 0.8 for danger: "safe now" asks it to be surer)
        "طلع من البيت ومعه سكين وانمسك الحمدلله، صرنا بأمان",
    ],
)
def test_danger_that_is_over_in_another_language_is_not_urgent(text):
    assert not triage(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "my dad had a heart attack while we were on the phone with 911, he is home from the "
        "hospital now, thank you",
        "a mi hijo le dio una convulsion y los paramedicos le salvaron la vida, mil gracias",
        "they found her safe at the park, thank you so much",
        "doi muon chet ma cho 2 tieng, 2 diem",  # Vietnamese: "hungry to death" waiting 2 hours
    ],
)
def test_a_medical_emergency_or_search_that_is_over_or_a_figure_of_speech_is_not_urgent(text):
    assert not triage(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "toi muon chet, khong ai hieu toi",  # Vietnamese: I want to die
        "em that su muon chet",  # I really want to die (lingua takes it for English)
        "toi muon chet",  # too short for lingua to name at all
        "pitit fi m nan disparèt depi maten, nou pa ka jwenn li",  # Haitian: we cannot find her
        "厨房火很大 我爸还在里面 快来",  # fire in the kitchen, my father is still inside
    ],
)
def test_the_same_words_still_mean_danger_when_it_is_now(text):
    assert triage(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "you people are useless, nobody came. stop texting me",
        "no sirvieron para nada, nadie vino. no me vuelvan a escribir",
    ],
)
def test_a_complaint_that_also_stops_the_texts_reaches_a_person(text):
    result = triage(text)

    assert result.opt_out and result.callback


@pytest.mark.parametrize(
    "text",
    [
        "pa kontakte mwen ankò svp",  # Haitian
        "ma tb3atouli shi ba3d el yom",  # Arabizi
        "melikt atlakulign",  # Amharic in Latin letters
        "以後不准再傳訊息給我",  # Chinese, traditional characters
        "just leave me alone ok",
    ],
)
def test_more_ways_of_asking_to_stop_stop_the_texts(text):
    assert triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    [
        "my 12 yr old still isnt home and her phone is off, she is never late",
        "my son is not home yet and its 2am",
        "i have the razor in my hand and dont know if i can stop",
        "please take care of my kids for me, nothing matters anymore",
        "ya nada tiene sentido, cuiden a mis hijos",
        "tengo las pastillas en la mano",
    ],
)
def test_a_child_not_home_yet_and_indirect_self_harm_are_danger_now(text):
    assert triage(text).urgent


def test_the_person_they_fear_not_being_home_is_still_over():
    assert not triage("he is not home anymore, we are ok now, thank you").urgent


@pytest.mark.parametrize(
    "text",
    [
        "Oferta no mercado! 2 por $5. Para sair da lista responda SAIR",
        "FLASH SALE 40% off today only. To opt out reply STOP",
    ],
)
def test_an_advert_that_says_how_to_opt_out_before_the_keyword_does_not_stop_our_texts(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    [
        "不要在发信息给我了",  # "在" for "再", as people type it
        "dung lien lac voi toi nua",
        "paki-delete po ang number ko",
        "문자 보내지 말아주세요",
        "не беспокойте меня больше",
        "لا تزعجوني بالرسائل",
        "pa janm voye m mesaj ankò",
        "não me contatem mais por favor",
        "ne me recontactez plus svp",
        "fariimo kale ma rabo",
        "ተጨማሪ መልእክት አልፈልግም",
        "більше смс не треба, дякую",
    ],
)
def test_sentences_that_stop_the_texts_in_each_of_the_twelve_languages(text):
    result = triage(text)

    assert result.opt_out and not result.urgent


@pytest.mark.parametrize(
    "text",
    [
        "ممكن تشيلوا اسمي من تقرير الحادثة؟",  # remove my name from the accident report
        "STOP... non je rigole 😂 5/5",  # just kidding
        "stop lol jk",
    ],
)
def test_removing_a_name_from_a_report_or_a_joke_is_not_an_opt_out(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text",
    ["stop texting me, im not kidding", "jk but seriously stop sending these", "شيلوني من القائمة"],
)
def test_the_same_words_still_stop_the_texts_when_meant(text):
    assert triage(text).opt_out


def test_unsubscribing_from_a_newsletter_in_french_is_not_an_opt_out():
    assert not triage("je me suis désinscrite de la newsletter du club, merci pour hier").opt_out


@pytest.mark.parametrize(
    "text",
    [
        "my manager is going to kill me, i was late waiting for the tow",
        "el calor me esta matando pero llegaron rapido. 5",
        "urgente: donde recojo mi licencia?",
        "the shots were just fireworks like the officer said, thanks",
        "she was just at her friend's house the whole time, sorry for the scare",
        "the fire is out and everyone got out ok, thank you",
    ],
)
def test_figures_of_speech_and_false_alarms_are_not_urgent(text):
    assert not triage(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "my husband is going to kill me when he gets home",
        "urgente, necesito ayuda, esta afuera",
        "the fire is spreading and my dad is still inside",
    ],
)
def test_the_same_words_still_mean_danger_when_it_is_real(text):
    assert triage(text).urgent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("le doy 4 pero el oficial me estuvo tirando los perros, incomodo", Category.CONDUCT),
        ("the deputy kept hitting on me while taking the report", Category.CONDUCT),
        ("5 pero seguimos sin numero de reporte", Category.UNRESOLVED),
    ],
)
def test_a_good_rating_does_not_hide_an_officer_flirting_or_a_case_still_open(text, category):
    result = triage(text)

    assert result.category == category and result.callback


def test_having_unsubscribed_from_something_else_is_not_an_opt_out():
    assert not triage("finally unsubscribed from all those store emails lol").opt_out


def test_a_candidate_model_is_measured_with_its_own_language_identifier():
    """`followup triage train` and `compare` score a candidate: the languages it names are its
    own, not those of the model in use (here: a candidate without an identifier)."""
    from followup.replies.triage import model as models

    shipped = models.load()
    saved = models.decode(models.MODEL_PATH.read_bytes())
    candidate = models.Model(saved | {"latin": None})
    vietnamese = "toi khong hieu tai sao canh sat chua goi lai cho toi"

    assert shipped.latin is not None and candidate.latin is None
    assert triage(vietnamese, model=candidate).language != "vi"  # lingua alone: French
    assert triage(vietnamese).language == "vi"  # the model in use, its identifier


def test_danger_outranks_a_request_to_stop_the_texts():
    result = triage("STOP texting me he has a gun and he's outside")

    assert (result.category, result.urgent, result.opt_out) == (Category.CRISIS, True, False)


def test_help_in_a_sentence_is_not_the_help_keyword():
    assert triage("help me please he is here").category == Category.CRISIS
    assert not triage("thanks for all the help. 1420 main st is quiet now").urgent
    assert triage("can you help me get a copy of the report?").category == Category.QUESTION
    assert triage("the officer was a big help").category == Category.POSITIVE


# --- danger ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "he's back outside my house right now",
        "someone is trying to get in through the back door",
        "i dont want to live anymore",
        "my 6 year old is gone, I can't find her",
        "he said he's going to kill me tonight",
        "está afuera de mi casa otra vez con una pistola",
        "me quiero morir",
        "no encuentro a mi hijo",
        "HE HAS A KNIFE",
        "help!! 318 willow ln",  # a cry for help and where: someone who cannot say more
        "socorro, 77 calle luna apt 2",
        "under the bed, someone downstairs",  # hiding
    ],
)
def test_danger_now_is_a_crisis_in_either_language(text):
    result = triage(text)

    assert (result.category, result.urgent, result.callback) == (Category.CRISIS, True, True)


@pytest.mark.parametrize(
    "text",
    [
        "he was outside my house last week but the officers handled it, thank you",
        "I'm safe now, he is not here anymore",
        "my son came home, thank you for looking",
    ],
)
def test_danger_that_is_over_is_not_a_crisis(text):
    assert triage(text).category != Category.CRISIS


# --- ratings, sarcasm, SMS forms ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, rating, category",
    [
        ("5", 5, Category.POSITIVE),
        ("4/5", 4, Category.POSITIVE),
        ("5 stars", 5, Category.POSITIVE),
        ("10/10", 5, Category.POSITIVE),
        ("3", 3, Category.NEUTRAL),
        ("2", 2, Category.NEGATIVE),
        ("1/5", 1, Category.NEGATIVE),
        ("te doy un 5", 5, Category.POSITIVE),
        ("5 but nobody ever called me back", 5, Category.UNRESOLVED),
        ("1 the officer was great though", 1, Category.NEGATIVE),
    ],
)
def test_ratings_and_the_more_serious_reading_wins(text, rating, category):
    result = triage(text)

    assert (result.rating, result.category) == (rating, category)


@pytest.mark.parametrize("text", ["took 3 hours to show up", "2 officers came at 5 pm"])
def test_numbers_that_count_things_are_not_ratings(text):
    assert triage(text).rating is None


@pytest.mark.parametrize(
    "text",
    [
        "great job 🙄",
        "Thanks for nothing",
        "Took 3 hours to show up. great job",
        "wow real helpful 🙃",
        "gracias por nada",
    ],
)
def test_sarcasm_reads_as_unhappy(text):
    assert triage(text).category == Category.NEGATIVE


@pytest.mark.parametrize(
    "text, category",
    [
        ("👍", Category.POSITIVE),
        ("🙏🙏", Category.POSITIVE),
        ("THANK U SO MUCH", Category.POSITIVE),
        ("yall didnt even get out the car", Category.NEGATIVE),
        ("no complaints", Category.POSITIVE),
        ("not helpful at all", Category.NEGATIVE),
        ("nobody was rude, it was fine", Category.NEUTRAL),
        ("cant complain", Category.POSITIVE),
        ("?", Category.OTHER),
        ("k", Category.NEUTRAL),  # "ok", as "kk" and "ok" are
        ("lol", Category.OTHER),
    ],
)
def test_sms_forms(text, category):
    assert triage(text).category == category


# --- languages ---------------------------------------------------------------------------


def test_spanish_is_read_fully():
    result = triage("nunca vino nadie y ya pasaron dos semanas")

    assert (result.language, result.category) == ("es", Category.UNRESOLVED)


@pytest.mark.parametrize(
    "text, language, name",
    [
        ("Cảm ơn anh rất nhiều, nhưng không ai gọi lại cho tôi", "vi", "Vietnamese"),
        ("Merci beaucoup pour votre aide, très gentil", "fr", "French"),
        ("Ninguém me ligou de volta ainda", "pt", "Portuguese"),
        ("Спасибо за помощь", "ru", "Russian"),
        ("谢谢你们的帮助", "zh", "Chinese"),
    ],
)
def test_the_twelve_other_languages_are_read_and_ask_for_an_interpreter(text, language, name):
    result = triage(text)

    assert result.language == language
    assert result.interpreter_needed and result.language_name == name
    assert f"written in {name}: interpreter needed" in result.reasons
    assert not any("does not read" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Arrêtez de m'envoyer ces messages svp",
        "Por favor, parem de me enviar mensagens",
        "Пожалуйста, не присылайте мне больше сообщений",
        "请不要再给我发短信了",
        # Said in the ways people write them, beyond the first phrasings the rules knew
        "pls take my number off, thanks",
        "I would like to stop getting these texts",
        "deja de mandarme mensajes porfa",
        "xin xoa so dien thoai cua toi khoi danh sach",
        "wag nyo na po sana ako i-text ulit",
        "이 번호 명단에서 삭제해 주세요",
        "Прошу больше не писать на этот номер",
        "Прошу більше не надсилати мені нічого",
        "ma baddi rasa2el, merci",
        "m pa bezwen mesaj sa yo ankò",
        "não quero receber esse tipo de mensagem",
        "merci de ne plus me contacter",
        "ma rabo fariimahan",
        "መልእክቶቻችሁን መላክ አቁሙ",
        "请从你们的名单中删除我的号码",
        "Stop 해 주세요",
        "hvatit mne prisylat eto",
        "Retire o meu número, por favor",
        "vydalit mij nomer bud laska",
        "ቁጥሬን እባካችሁ አስወግዱ",
        "tu choi",
        # kinds added from the training sets' misses (2026-12-04), written anew here
        "请不要再联系我 谢谢",
        "이제 문자 받기 싫어요",
        "paki-alis na po ang number ko",
        "pls uberite moj nomer iz rassylki",
        "досить смс від вас",
        "mish 3ayza rasayel tany",
        "laissez-moi tranquille avec vos messages",
        "iga daa fariimaha",
        "take my number off your list please",
        "ya no quiero que me manden nada de esto",
    ],
)
def test_an_unmistakable_opt_out_in_another_language_stops_the_texts(text):
    result = triage(text)

    assert (result.category, result.opt_out) == (Category.OPT_OUT, True)


@pytest.mark.parametrize(
    "text",
    [
        "m vle resevwa mesaj yo ankò",  # Haitian: I want to get the messages again
        "he keeps texting me, I want to block this number",
        "no quiero que me lleguen las cartas de cobranza a mi casa",
        "Прошу не писать ему больше, он опасен",  # a request about someone else
        "прошу не писати йому, він небезпечний",
        "唔想再見到佢",  # Cantonese: I don't want to see him again
        "他一直给我发短信骚扰我",  # he keeps texting to harass me
    ],
)
def test_sentences_near_an_opt_out_do_not_stop_the_texts(text):
    assert not triage(text).opt_out


@pytest.mark.parametrize(
    "text, language",
    [
        ("Vielen Dank, die Beamten waren sehr freundlich und schnell da", "de"),
        ("Grazie mille, gli agenti sono stati molto gentili con noi", "it"),
    ],
)
def test_a_language_the_service_cannot_read_goes_to_a_person(text, language):
    result = triage(text)

    assert (result.category, result.callback, result.language) == (Category.OTHER, True, language)
    assert any("language the service does not read" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Мой муж бьёт меня, помогите",  # Russian: my husband is beating me, help
        "Chồng tôi đang đánh tôi, xin giúp tôi",  # Vietnamese: the same
        "Hilfe, er ist wieder vor meiner Tür",  # German, not read: "help" is enough
    ],
)
def test_danger_in_other_languages_is_urgent(text):
    result = triage(text)

    assert (result.category, result.urgent, result.callback) == (Category.CRISIS, True, True)


def test_very_short_replies_have_no_language():
    assert triage("👍").language == "und"
    assert triage("5").language == "und"


def test_a_signature_alone_is_no_message():
    result = triage("Sent from my iPhone")

    assert (result.category, result.callback) == (Category.OTHER, False)


# --- the command line -------------------------------------------------------------------


def test_followup_triage_reads_plain_and_json_lines_and_keeps_their_order():
    lines = "thank you!\n" + json.dumps({"id": "r-2", "text": "he is at my door now"}) + "\n"

    result = CliRunner().invoke(main, ["triage"], input=lines)

    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["category"] == "positive" and "id" not in first
    assert second["id"] == "r-2" and second["category"] == "crisis" and second["urgent"]
    assert set(first) == {
        "category",
        "callback",
        "urgent",
        "opt_out",
        "language",
        "rating",
        "reasons",
        "suggested_opt_out",
        "language_name",
        "interpreter_needed",
    }


def test_followup_triage_answers_a_bad_line_with_an_error_in_its_place():
    result = CliRunner().invoke(main, ["triage"], input='{"text": 5}\nok\n{broken\n')

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert lines[0] == {"line": 1, "error": 'a JSON line needs a "text" field with the reply'}
    assert lines[1]["category"] == "neutral"
    assert lines[2]["line"] == 3 and "not valid JSON" in lines[2]["error"]


def test_followup_triage_eval_prints_precision_recall_and_the_flags(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"text": "STOP", "cat": "opt_out", "flag": False, "urgent": False, "opt_out": True},
                {
                    "text": "he has a gun",
                    "cat": "crisis",
                    "flag": True,
                    "urgent": True,
                    "opt_out": False,
                },
                {
                    "text": "thanks",
                    "cat": "neutral",
                    "flag": False,
                    "urgent": False,
                    "opt_out": False,
                },
            ]
        ),
        encoding="utf-8",
    )

    result = CliRunner().invoke(main, ["triage", "--eval", str(labelled)])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3 replies; accuracy  66.7% (2/3)")
    assert "confusion" in result.stdout
    assert re.search(r"^urgent\s+recall\s+100\.0% \(1/1\)", result.stdout, re.M)
    assert re.search(r"^opt_out\s+recall\s+100\.0% \(1/1\)", result.stdout, re.M)


def test_followup_triage_eval_refuses_an_unknown_category(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text('{"text": "hi", "cat": "happy"}\n', encoding="utf-8")

    result = CliRunner().invoke(main, ["triage", "--eval", str(labelled)])

    assert result.exit_code == 1
    assert "unknown category 'happy'" in result.output


@pytest.mark.parametrize("reply", ["y", "Y", "he", "is", "she", "la", "m", "the", "y la"])
def test_a_reply_of_function_words_or_a_letter_is_never_urgent(reply):
    """Alone, "y" or "he" says nothing; the model's weights for them come from long replies,
    and an urgent alert on them would wake a commander for nothing."""
    assert not triage(reply).urgent


@pytest.mark.parametrize("reply", ["cuu", "pomogite", "anmwe", "hes back", "he is here"])
def test_a_short_reply_with_a_word_of_danger_is_still_urgent(reply):
    assert triage(reply).urgent
