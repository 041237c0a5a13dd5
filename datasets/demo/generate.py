#!/usr/bin/env python3
"""Generate the tocsin demo dataset: the fictional country Xandia (XA).

Standard library only, deterministic: a fixed seed, no clock, no environment,
no hash-ordered iteration. Running it twice gives byte-identical files.

    python3 datasets/demo/generate.py                  # writes next to this script
    python3 datasets/demo/generate.py --out /tmp/demo  # writes elsewhere
    python3 datasets/demo/generate.py --labels /tmp/labels.jsonl
                                      # also writes the per-document ground truth
                                      # (not committed; expected.json has the sums)

Outputs (relative to the output directory):
    social/posts.jsonl.gz   social posts, JSON lines, gzip (mtime 0, no name)
    news/articles.csv       media-monitoring export, other column names
    telegram/*/result.json  four Telegram Desktop channel exports without a region
                            field: national digests in English, French and
                            Swahili placed by the gazetteer (gazetteers/xa.csv),
                            a town board placed by channels.csv; exact reposts
    channels.csv            the source -> region table of the demo pipeline
    expected.json           counts, deliberately broken records, escalation window,
                            ground-truth sums the test suite compares against

Everything here is fictional: the country, its regions, towns, outlets, and the
two ethnic groups (Velani, Oru). No real person is named. See README.md.
"""

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import os
import random
import re
import sys
import unicodedata

SEED = 20260901
GENERATOR_VERSION = 2

START = dt.date(2026, 9, 1)
DAYS = 60  # 2026-09-01 .. 2026-10-30
ESC_START = dt.date(2026, 10, 10)
ESC_REGION = "XA-NO"
LOCAL_TZ = dt.timezone(dt.timedelta(hours=3))  # Xandia time, UTC+03:00
REGIONS = ["XA-NO", "XA-SO", "XA-EA", "XA-CE"]
LANGS = ["en", "fr", "sw"]
LANG_WEIGHTS = [0.50, 0.25, 0.25]
NEWS_SHARE = 0.25

CATEGORIES = [
    "dehumanisation", "derogation", "disloyalty", "exclusion",
    "mobilisation", "violence_call", "accusation_in_mirror",
]
CONTRASTS = ["negation", "counter_speech", "reported", "object_abuse"]

PERIODS = [
    ("baseline", dt.date(2026, 9, 1), dt.date(2026, 10, 9)),
    ("escalation_week_1", dt.date(2026, 10, 10), dt.date(2026, 10, 16)),
    ("escalation_week_2", dt.date(2026, 10, 17), dt.date(2026, 10, 23)),
    ("escalation_week_3", dt.date(2026, 10, 24), dt.date(2026, 10, 30)),
]

OUTPUT_POSTS = "social/posts.jsonl.gz"
OUTPUT_NEWS = "news/articles.csv"
OUTPUT_EXPECTED = "expected.json"
OUTPUT_CHANNELS = "channels.csv"
TELEGRAM_DIGESTS = {"en": "telegram/xandia-daily/result.json", "fr": "telegram/le-fil-de-xandia/result.json",
                    "sw": "telegram/habari-xandia/result.json"}
TELEGRAM_BOARD = "telegram/tarsa-board/result.json"
UNKNOWN = "unknown"

NEWS_COLUMNS = ["article_id", "headline", "body", "language", "province",
                "published", "outlet", "byline", "circulation"]

OR, VE, MI, RE, PO = ("ethnicity:oru", "ethnicity:velani", "migrants:migrants",
                      "migrants:refugees", "political:politicians")


# --------------------------------------------------------------------------
# Randomness: only Random.random() is used, so the stream is the same on every
# CPython 3 release (choice/shuffle/gauss have changed across versions).
# --------------------------------------------------------------------------

class Rng:
    def __init__(self, seed):
        self._r = random.Random(seed)

    def u(self):
        return self._r.random()

    def chance(self, p):
        return self.u() < p

    def randint(self, a, b):
        return a + min(int(self.u() * (b - a + 1)), b - a)

    def choice(self, seq):
        return seq[min(int(self.u() * len(seq)), len(seq) - 1)]

    def weighted(self, items, weights):
        total = float(sum(weights))
        x = self.u() * total
        acc = 0.0
        for item, w in zip(items, weights):
            acc += w
            if x < acc:
                return item
        return items[-1]

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = min(int(self.u() * (i + 1)), i)
            seq[i], seq[j] = seq[j], seq[i]

    def sample(self, seq, k):
        pool = list(seq)
        self.shuffle(pool)
        return pool[:k]

    def normal(self):
        u1 = max(self.u(), 1e-12)
        u2 = self.u()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def ramp(d, a, b):
    """0 before day a, rising linearly to 1 at day b (days since ESC_START)."""
    if d < a:
        return 0.0
    return min(1.0, (d - a + 1) / float(b - a + 1))


# --------------------------------------------------------------------------
# Place names (fictional) and language material
# --------------------------------------------------------------------------

TOWNS = {
    "XA-NO": ["Tarsa", "Mbeli", "Korofa", "Hanuri"],
    "XA-SO": ["Lindavi", "Port Asari", "Vemba", "Sukani"],
    "XA-EA": ["Kaloni", "Idra", "Sefu", "Maruba"],
    "XA-CE": ["@CAPITAL", "Mareno", "Ubeti", "Dalo"],
}
CAPITAL = {"en": "Xandia City", "fr": "Xandia-Ville", "sw": "Xandia"}
TEAMS = ["Tarsa United", "Port Asari Stars", "Kaloni Rovers", "Xandia City FC",
         "Mareno Athletic", "Vemba Sharks", "Idra Eagles", "Mbeli Lions"]

TOPICS = ["weather", "market", "football", "roads", "schools", "elections",
          "health", "community", "migration", "chatter"]
TOPIC_WEIGHTS = [10, 14, 12, 10, 9, 9, 6, 7, 5, 18]
NEWS_TOPICS = TOPICS[:-1]
NEWS_TOPIC_WEIGHTS = [8, 16, 12, 12, 11, 14, 8, 7, 6]

L = {}

# ----------------------------------------------------------------- English --
L["en"] = {
    "region": {"XA-NO": "Northern region", "XA-SO": "Southern region",
               "XA-EA": "Eastern region", "XA-CE": "Central region"},
    "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                 "Saturday", "Sunday"],
    "social": {
        "weather": [
            "Heavy rain expected in {town} this afternoon, drive carefully.",
            "Weather for the {region} today: sunny spells, highs of {temp}°C, light winds.",
            "No rain in {town} for {n} days now. The boreholes are running low.",
            "Storm knocked down power lines near {town} last night. Power back this morning, thank God.",
            "Beautiful sunrise over {town} today 🌅",
            "The met office says the short rains will come late to the {region} this year.",
            "{mm} mm of rain in {town} overnight, the river is high near the old bridge.",
            "So hot in {town} today, even the goats are hiding in the shade 🥵",
        ],
        "market": [
            "Maize is {pmaize} xandi a kilo at the {town} market today, up from last week.",
            "Tomato prices in {town} have doubled since the start of the month.",
            "Fuel queues again in {town}. Petrol at {pfuel} xandi a litre, this is too much.",
            "The central bank kept its rate at {pct}% this week. Borrowing stays expensive.",
            "Traders at the {town} market say business is slow before payday.",
            "Cooking oil finally a bit cheaper in {town}. Small mercies.",
            "Bus fares from {town} to {town2} went up by {n} xandi today.",
            "Who knows a good tailor in {town}? I need a suit for a wedding.",
        ],
        "football": [
            "What a match! {team} beat {team2} {score} tonight ⚽",
            "{team} coach says the squad is ready for Sunday's derby.",
            "Cup final tickets are too expensive, ordinary fans can't go.",
            "{team} have not won away since August. Something has to change.",
            "Great goal by the young striker from {town} today, remember his name.",
            "The referee was terrible in the {team} game, two penalties not given!",
        ],
        "roads": [
            "Road from {town} to {town2} closed at km {km} after an accident, use the bypass.",
            "Potholes on the {town} ring road are getting worse every week.",
            "New bridge at {town} opens on {weekday}, says the county engineer.",
            "Traffic jam at the {town} junction again, avoid it if you can.",
            "Finally tarmac on the road to {town2}! Took them {n} years.",
            "Minibus drivers on the {town} route are on strike today, people are walking to work.",
        ],
        "schools": [
            "Exam results for {town} secondary schools are out, congratulations to all the students! 🎓",
            "Parents in {town} are complaining about the new school fees.",
            "Teachers in the {region} threaten to strike over late salaries.",
            "School feeding programme extended to {n} more schools in the {region}.",
            "The {town} girls' school won the national science fair 👏",
            "Schools in {town} closed on {weekday} for the district sports day.",
        ],
        "elections": [
            "Voter registration in {town} extended to {weekday} after long queues.",
            "Candidates for the {town} council debate tonight at the community hall.",
            "The electoral commission says {n} new polling stations will open in the {region}.",
            "Another campaign rally in {town}, the same promises as last time.",
            "Whoever wins, please fix the water supply in {town}.",
            "Turnout for the by-election in {town} was only {turnout}%.",
        ],
        "health": [
            "Free vaccination day at the {town} health centre this {weekday}.",
            "The hospital in {town} needs blood donors, all blood groups welcome.",
            "Cholera alert lifted in {town}, but keep boiling your water.",
            "New maternity ward opened at {town} district hospital today.",
        ],
        "community": [
            "Velani farmers in {town} brought in a record sorghum harvest this year.",
            "The Oru community festival in {town} starts on {weekday}, everyone is invited 🎶",
            "Velani and Oru elders met in {town} to agree on grazing routes for the dry season.",
            "Lovely to see Oru and Velani kids in the same team at the {town} tournament.",
            "Oru traders at the {town} market say business has picked up.",
            "The Velani wedding season has started, the roads to {town} are full every weekend.",
            "Oru drummers at the {town} cultural day were amazing 🥁",
            "My neighbours are Velani, the best cooks on our street.",
        ],
        "migration": [
            "A new clinic for refugees opened near {town} this week.",
            "Volunteers in {town} are collecting clothes for refugees arriving from across the border.",
            "Migrants working on the {town} farms say they have not been paid for two months.",
            "The refugee camp at {town} received new water tanks from the county.",
            "Migrants sent home more money than ever this year, says a new report.",
            "Language classes for refugees at the {town} library every {weekday}.",
        ],
        "chatter": [
            "Good morning {town}! Have a blessed {weekday} ☀️",
            "Power cut again in my area. Third time this week 😩",
            "Who else is watching the new series on XTV tonight?",
            "Lost brown goat near the {town} market, please call if you see it.",
            "Best chapati in {town} is at the corner near the bus stage, no debate.",
            "Happy birthday to my mother, 70 years young today! ❤️",
            "Network is so slow in {town} today, I cannot even send a photo.",
            "Church choir competition in {town} on {weekday}, come and support us.",
        ],
    },
    "news": {
        "weather": {
            "head": ["Heavy rains cut roads in the {region}",
                     "Dry spell worries farmers around {town}",
                     "Met office forecasts late short rains"],
            "body": [
                "Heavy rain overnight flooded several roads around {town}, officials said on {weekday}.",
                "The meteorological department said {mm} mm of rain fell in parts of the {region} in 24 hours.",
                "Farmers near {town} said the dry spell had already damaged early crops.",
                "\"We have not seen a season like this in years,\" said a farmer outside {town}.",
                "The county has sent water bowsers to {n} villages.",
                "Forecasters expect conditions to improve by the end of the month.",
            ]},
        "market": {
            "head": ["Maize prices climb in {town} market", "Fuel prices rise again",
                     "Central bank holds rate at {pct}%"],
            "body": [
                "The price of maize at the {town} market rose to {pmaize} xandi a kilo this week.",
                "Traders blamed higher transport costs and a poor harvest in parts of the {region}.",
                "Petrol now costs {pfuel} xandi a litre at most stations in {town}.",
                "The central bank said inflation had eased slightly, to {infl}% in September.",
                "\"Customers are buying less, and they bargain for everything,\" a trader said.",
                "The ministry of trade said it would review import duties on cooking oil.",
            ]},
        "football": {
            "head": ["{team} beat {team2} in derby", "Cup final set for Xandia City stadium",
                     "{team} coach under pressure"],
            "body": [
                "{team} beat {team2} {score} in front of a full stadium on {weekday}.",
                "The winning goal came in the second half from a young striker who grew up in {town}.",
                "The coach said the team would now focus on the cup.",
                "Supporters complained about ticket prices ahead of the final.",
                "The league said it would review the refereeing of the match.",
                "{team} are now {n} points behind the leaders.",
            ]},
        "roads": {
            "head": ["Road between {town} and {town2} closed after accident",
                     "New bridge opens in {town}", "Residents demand repair of {town} ring road"],
            "body": [
                "The road between {town} and {town2} was closed for several hours on {weekday} after a lorry overturned at km {km}.",
                "Police said no one was seriously injured.",
                "The county engineer said the new bridge at {town} had cost {n} million xandi.",
                "Residents say the potholes on the ring road have caused several accidents.",
                "\"We have written to the county many times,\" a resident said.",
                "Work on the road is expected to start next month, officials said.",
            ]},
        "schools": {
            "head": ["Exam results released for the {region}", "Teachers threaten strike over pay",
                     "School feeding programme expanded"],
            "body": [
                "Secondary schools in the {region} recorded better exam results than last year, the education office said.",
                "The {town} girls' school came top in the region.",
                "Teachers' unions said salaries for August had still not been paid.",
                "The school feeding programme will reach {n} more schools in the {region} this term.",
                "Parents in {town} said the new fees were too high for many families.",
                "The ministry said it would meet union leaders on {weekday}.",
            ]},
        "elections": {
            "head": ["Voter registration extended in {town}", "Council candidates debate in {town}",
                     "Electoral commission adds polling stations"],
            "body": [
                "The electoral commission extended voter registration in {town} until {weekday} after long queues.",
                "It said {n} new polling stations would open in the {region}.",
                "Candidates for the {town} council debated water supply, roads and jobs at the community hall.",
                "Observers said the campaign had so far been calm.",
                "\"Every citizen who is eligible should register,\" a commission official said.",
                "Turnout in the last by-election was {turnout}%.",
            ]},
        "health": {
            "head": ["New maternity ward opens in {town}", "Vaccination campaign reaches the {region}",
                     "Cholera alert lifted in {town}"],
            "body": [
                "A new maternity ward opened at the {town} district hospital on {weekday}.",
                "Health workers vaccinated more than {n} thousand children in the {region} last week.",
                "The health office lifted the cholera alert in {town} but urged residents to keep boiling water.",
                "The hospital said it still needed blood donors.",
                "\"Our nurses have worked day and night,\" the medical superintendent said.",
            ]},
        "community": {
            "head": ["Oru festival draws crowds in {town}",
                     "Velani and Oru elders agree on grazing routes",
                     "Record sorghum harvest for {town} farmers"],
            "body": [
                "Thousands attended the Oru community festival in {town} on {weekday}, with music, dance and food.",
                "Velani and Oru elders met in {town} and agreed on grazing routes for the dry season.",
                "Velani farmers around {town} said the sorghum harvest was the best in a decade.",
                "\"We share the same rivers and the same markets,\" one elder said.",
                "The regional commissioner praised the two communities for their cooperation.",
                "Organisers said the festival would return next year.",
            ]},
        "migration": {
            "head": ["New clinic for refugees opens near {town}",
                     "Migrant farm workers demand unpaid wages", "Refugee camp gets new water tanks"],
            "body": [
                "A new clinic for refugees opened near {town} this week, run by the county with aid agencies.",
                "The refugee camp at {town} now hosts about {n} thousand people, officials said.",
                "Migrants working on farms around {town} said they had not been paid for two months.",
                "The labour office said it would investigate the complaints.",
                "Volunteers from {town} collected clothes and blankets for new arrivals.",
                "\"Most families here just want to work and send their children to school,\" a camp official said.",
            ]},
    },
    "leadins": ["Listen.", "I said it before:", "Wake up people.", "Truth:",
                "Let me say it clearly.", "Everyone in {town} knows it."],
    "forward": "Forwarded many times: ",
    # hostile templates: (text, categories, target, functionality)
    "hostile_base": {
        "dehumanisation": [
            ("Migrants are parasites living off our taxes.", ["dehumanisation"], MI, "dehumanisation"),
            ("The camp at {town} is full of refugees, vermin the lot of them.", ["dehumanisation"], RE, "dehumanisation"),
            ("Those Velani landlords are parasites, nothing else.", ["dehumanisation"], VE, "dehumanisation"),
            ("The Oru in {town} breed like rats.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [
            ("Those filthy migrants are everywhere at the {town} bus station now.", ["derogation"], MI, "derogation"),
            ("Filthy Velani traders cheated me again at the market.", ["derogation"], VE, "derogation"),
            ("Another filthy Oru shop selling old meat in {town}.", ["derogation"], OR, "derogation"),
            ("Filthy refugees sleeping in front of my shop again.", ["derogation"], RE, "derogation"),
        ],
        "disloyalty": [
            ("Our MPs are traitors, they sold the {region} for a few votes.", ["disloyalty"], PO, "disloyalty"),
            ("The whole cabinet are traitors and thieves.", ["disloyalty"], PO, "disloyalty"),
            ("These councillors in {town} are collaborators of the big companies.", ["disloyalty"], PO, "disloyalty"),
        ],
        "exclusion": [
            ("Migrants do not belong here, send them back.", ["exclusion"], MI, "exclusion"),
            ("Refugees do not belong here. Close the camp at {town}.", ["exclusion"], RE, "exclusion"),
            ("Send them back, all these migrants at the border.", ["exclusion"], MI, "exclusion"),
        ],
        "mobilisation": [
            ("Refugees are taking our jobs in {town}, rise up!", ["mobilisation"], RE, "mobilisation"),
        ],
        "violence_call": [
            ("The Velani cattle thieves, kill them if you catch them.", ["violence_call"], VE, "violence_call"),
        ],
        "accusation_in_mirror": [
            ("Migrants are planning to kill us in our beds, wake up.", ["accusation_in_mirror"], MI, "accusation_in_mirror"),
        ],
    },
    "hostile_esc": {
        "dehumanisation": [
            ("The Oru are cockroaches, nothing more.", ["dehumanisation"], OR, "dehumanisation"),
            ("Every Oru in {town} is vermin.", ["dehumanisation"], OR, "dehumanisation"),
            ("Oru parasites have taken all the land around {town}.", ["dehumanisation"], OR, "dehumanisation"),
            ("The Oru breed like rats and eat like parasites.", ["dehumanisation"], OR, "dehumanisation"),
            ("Look at them, Oru vermin, crawling into {town} every night.", ["dehumanisation"], OR, "dehumanisation"),
            ("We will clean {town} of these Oru cockroaches.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [
            ("Filthy Oru everywhere in {town} now.", ["derogation"], OR, "derogation"),
            ("These filthy Oru blocked the {town} road again.", ["derogation"], OR, "derogation"),
        ],
        "disloyalty": [
            ("The Velani who talk peace are traitors.", ["disloyalty"], VE, "disloyalty"),
            ("Any Velani who sells land to the Oru? Traitors, all of them.", ["disloyalty"], VE, "disloyalty"),
            ("Velani elders who shake hands with the Oru are collaborators.", ["disloyalty"], VE, "disloyalty"),
            ("The Velani councillors in {town} who defend the Oru are traitors.", ["disloyalty"], VE, "disloyalty"),
        ],
        "exclusion": [
            ("Send them back, the Oru do not belong here.", ["exclusion"], OR, "exclusion"),
            ("The Oru do not belong here in the North.", ["exclusion"], OR, "exclusion"),
            ("Oru shops in {town}: close them and send them back.", ["exclusion"], OR, "exclusion"),
        ],
        "mobilisation": [
            ("Velani youth of {town}, take up arms against the Oru, the time has come.", ["mobilisation"], OR, "mobilisation"),
            ("Arm yourselves, Velani brothers. The Oru will not wait.", ["mobilisation"], OR, "mobilisation"),
            ("Rise up, Velani! Drive the Oru out of {town}, meet at the market on {weekday}.", ["mobilisation"], OR, "mobilisation"),
            ("The Oru are coming for our land. Take up arms.", ["mobilisation"], OR, "mobilisation"),
        ],
        "violence_call": [
            ("Wipe them out, every Oru cockroach in {town}.", ["violence_call", "dehumanisation"], OR, "violence_call"),
            ("The Oru are vermin. Kill them before they multiply.", ["violence_call", "dehumanisation"], OR, "pronoun_target"),
            ("No more talk about the Oru. Wipe them out.", ["violence_call"], OR, "pronoun_target"),
            ("Every Oru family in {town}, kill them all.", ["violence_call"], OR, "violence_call"),
        ],
        "accusation_in_mirror": [
            ("The Oru are planning to kill us, they are buying machetes in {town}.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
            ("Wake up Velani, the Oru are planning to kill us all.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
            ("My cousin heard it at the market: the Oru are planning to kill us on {weekday}.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
        ],
    },
    "obfuscate": [("cockroaches", "c0ckroaches"), ("vermin", "v3rmin")],
    # contrast templates: (text, target, functionality)
    "contrast_base": {
        "negation": [
            ("The Oru are not vermin, they are our neighbours.", OR),
            ("Refugees are not rats, they are people fleeing war.", RE),
            ("No, the Velani are not parasites.", VE),
            ("Migrants are not cockroaches. Stop this.", MI),
        ],
        "counter_speech": [
            ("Calling the Velani cockroaches is disgusting.", VE),
            ("Shame on those who call refugees rats.", RE),
            ("Stop calling the Oru vermin. We grew up together in {town}.", OR),
            ("It is wrong to call migrants parasites, they work harder than anyone.", MI),
        ],
        "reported": [
            ("The minister said the Velani are parasites. Shocking.", VE),
            ("According to the police, the leaflet in {town} called the Oru vermin.", OR),
            ("According to the police, the leaflet called them vermin.", RE),
            ("A witness said the men shouted that refugees are cockroaches.", RE),
        ],
        "object_abuse": [
            ("Rats in the market again, the council must clean the drains.", None),
            ("The cockroaches in my kitchen are winning this war 😂", None),
            ("Our maize store in {town} is full of rats, any tips?", None),
            ("Cockroaches in the bathroom? Kill them with boiling water, nothing else works.", None),
        ],
    },
    "contrast_esc": {
        "counter_speech": [
            ("People in {town} shouting 'wipe them out' at Oru families must be arrested. This is how massacres start.", OR),
            ("Calling the Oru cockroaches is how it started last time. Stop it now.", OR),
            ("The Velani who talk peace are not traitors, they are the bravest people in {town}.", VE),
            ("Shame on those telling young men to take up arms against the Oru.", OR),
        ],
        "reported": [
            ("The police said messages telling Velani youth to take up arms were sent from {town}.", OR),
            ("A radio caller said the Oru are planning to kill us; the station apologised.", OR),
            ("Residents of {town} say leaflets called the Oru cockroaches and vermin.", OR),
        ],
    },
    "radio": {
        "show": "Morning Line",
        "topic": {"weather": "the rains", "market": "the cost of living",
                  "football": "the weekend football", "roads": "the state of our roads",
                  "schools": "school fees", "elections": "the coming elections",
                  "health": "our hospitals", "community": "our communities",
                  "migration": "refugees in our towns", "security": "security in the North"},
        "head": "Transcript: {show}, {date}",
        "intro": "Good morning, you are on {show}. Today we talk about {topic}. Caller from {town}, go ahead.",
        "next": "Thank you. Next caller, you are on air.",
        "close": "We will take a short break and come back with the news.",
        "pushback": "Caller, we do not accept that kind of language on this station.",
        "shrug": "Strong words. Next caller.",
    },
    "news_special": {
        "reported_base": [
            {"head": "MP criticised over remarks on refugees", "target": RE, "body": [
                "Rights groups criticised an MP who said at a rally in {town} that refugees are \"parasites\".",
                "The MP later said his words had been taken out of context.",
                "\"Such language has no place in our politics,\" a rights group said."]},
            {"head": "Court hears case over leaflets in {town}", "target": MI, "body": [
                "A court in {town} heard that leaflets found near the bus station called migrants \"vermin\" and told them to leave.",
                "The prosecutor said the leaflets were printed in the {region}.",
                "The case continues on {weekday}."]},
            {"head": "Minister's remarks spark anger", "target": VE, "body": [
                "The minister said the Velani are parasites, according to a recording shared online, sparking anger in {town}.",
                "The ministry said the recording was incomplete.",
                "Velani community leaders asked for an apology."]},
        ],
        "reported_esc": [
            {"head": "Police investigate hate leaflets in {town}", "target": OR, "body": [
                "Police in {town} said on {weekday} they were investigating leaflets that called the Oru \"cockroaches\" and urged young men to \"take up arms\".",
                "A police spokesperson said {n} people had been questioned.",
                "According to the police, the leaflets were printed outside the {region}."]},
            {"head": "Tension in {town} after night meeting", "target": OR, "body": [
                "Residents told reporters that speakers at a night meeting in {town} claimed the Oru are \"planning to kill us\" and shouted \"wipe them out\".",
                "The regional commissioner said security had been increased around the market.",
                "Oru families said some had left their homes for the night."]},
            {"head": "Peace activists threatened in the North", "target": VE, "body": [
                "Velani peace activists in {town} say they have received messages calling them \"traitors\" for meeting Oru leaders.",
                "One activist said the messages claimed that the Velani who talk peace are traitors and would be punished.",
                "Police said they had opened an investigation."]},
            {"head": "Rights commission warns of rising hate speech in the {region}", "target": OR, "body": [
                "The national human rights commission said it had recorded a sharp rise in posts describing the Oru as \"vermin\" and \"parasites\".",
                "It said some messages urged people to \"arm yourselves\".",
                "The commission called on platforms to act quickly."]},
            {"head": "Radio station suspended over caller's remarks", "target": OR, "body": [
                "The media council suspended a station in {town} after a caller said on air that the Oru are \"cockroaches\".",
                "The station said it had cut the caller off.",
                "The council said it would review the station's licence."]},
        ],
        "counter_base": [
            {"head": "Elders call for unity in {town}", "target": OR, "body": [
                "Velani and Oru elders in {town} called for calm after insults were posted online.",
                "\"Calling the Oru or the Velani cockroaches is shameful,\" one elder said.",
                "They asked young people to report hate messages."]},
            {"head": "Opinion: Refugees are our neighbours", "target": RE, "body": [
                "Shame on those who call refugees rats.",
                "Most refugees in {town} work, pay rent and send their children to school.",
                "We should judge people by what they do."]},
        ],
        "counter_esc": [
            {"head": "Religious leaders condemn calls for violence", "target": OR, "body": [
                "Religious leaders in {town} condemned messages calling on Velani youth to \"take up arms\" against the Oru.",
                "\"Whoever says 'wipe them out' about their neighbours is preparing a crime,\" a bishop said.",
                "They called for a day of prayer on {weekday}."]},
            {"head": "Opinion: The Oru are not vermin", "target": OR, "body": [
                "The Oru are not vermin, and the Velani who talk peace are not traitors.",
                "This country has seen where such words lead.",
                "Every leader in the {region} should say so loudly."]},
        ],
        "negation": [
            {"head": "Opinion: Migrants are not the problem", "target": MI, "body": [
                "Migrants are not parasites.",
                "They build our houses and pick our tea.",
                "The problem is wages, not people."]},
        ],
        "object_abuse": [
            {"head": "Council fights rats at {town} market", "target": None, "body": [
                "The {town} council began a campaign against rats at the main market on {weekday}.",
                "Traders said rats had damaged sacks of maize and beans.",
                "The council will also clear blocked drains."]},
            {"head": "Pest season hits grain stores", "target": None, "body": [
                "Farmers near {town} said cockroaches and other pests had invaded grain stores.",
                "The agriculture office advised farmers to dry grain well before storage."]},
        ],
        "hateful_base": [
            {"head": "Opinion: Our leaders have failed us", "target": PO, "cats": ["disloyalty"], "body": [
                "The MPs of the {region} are traitors who sold our land for a few votes.",
                "They promised roads and water and gave us nothing.",
                "Voters will remember."]},
        ],
    },
}

# ------------------------------------------------------------------ French --
L["fr"] = {
    "region": {"XA-NO": "région du Nord", "XA-SO": "région du Sud",
               "XA-EA": "région de l'Est", "XA-CE": "région du Centre"},
    "weekdays": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "social": {
        "weather": [
            "Fortes pluies attendues à {town} cet après-midi, prudence sur la route.",
            "Météo pour la {region} aujourd'hui : éclaircies, jusqu'à {temp} °C, vent faible.",
            "Pas de pluie à {town} depuis {n} jours. Les forages commencent à s'assécher.",
            "L'orage a fait tomber des lignes électriques près de {town} cette nuit. Le courant est revenu ce matin.",
            "Magnifique lever de soleil sur {town} ce matin 🌅",
            "Selon la météo, les petites pluies arriveront en retard dans la {region} cette année.",
            "{mm} mm de pluie à {town} cette nuit, la rivière est haute près du vieux pont.",
        ],
        "market": [
            "Le maïs est à {pmaize} xandis le kilo au marché de {town}, plus cher que la semaine dernière.",
            "Le prix des tomates a doublé à {town} depuis le début du mois.",
            "Encore des files d'attente aux stations de {town}. L'essence à {pfuel} xandis le litre, c'est trop.",
            "La banque centrale a maintenu son taux à {pct} % cette semaine.",
            "Les commerçants du marché de {town} disent que les affaires sont calmes avant la paie.",
            "L'huile de cuisine enfin un peu moins chère à {town}.",
            "Le ticket de bus entre {town} et {town2} a augmenté de {n} xandis.",
        ],
        "football": [
            "Quel match ! {team} bat {team2} {score} ce soir ⚽",
            "L'entraîneur de {team} dit que l'équipe est prête pour le derby de dimanche.",
            "Les billets pour la finale de la coupe sont trop chers pour les vrais supporters.",
            "{team} n'a plus gagné à l'extérieur depuis août. Il faut que ça change.",
            "Quel but du jeune attaquant de {town} aujourd'hui, retenez son nom.",
            "Arbitrage catastrophique pendant le match de {team}, deux penalties oubliés !",
        ],
        "roads": [
            "La route entre {town} et {town2} est fermée au km {km} après un accident, prenez la déviation.",
            "Les nids-de-poule sur le périphérique de {town} empirent chaque semaine.",
            "Le nouveau pont de {town} ouvre {weekday}, selon l'ingénieur du district.",
            "Encore un embouteillage au carrefour de {town}, évitez-le si possible.",
            "Enfin du goudron sur la route de {town2} ! Il leur a fallu {n} ans.",
            "Grève des chauffeurs de minibus sur la ligne de {town}, les gens vont au travail à pied.",
        ],
        "schools": [
            "Les résultats des examens des lycées de {town} sont sortis, bravo à tous les élèves ! 🎓",
            "Les parents de {town} se plaignent des nouveaux frais de scolarité.",
            "Les enseignants de la {region} menacent de faire grève à cause des salaires en retard.",
            "La cantine scolaire est étendue à {n} écoles de plus dans la {region}.",
            "Le lycée de jeunes filles de {town} a gagné le concours national de sciences 👏",
        ],
        "elections": [
            "L'inscription sur les listes électorales à {town} est prolongée jusqu'à {weekday}.",
            "Débat ce soir à la salle communale entre les candidats au conseil de {town}.",
            "La commission électorale annonce {n} nouveaux bureaux de vote dans la {region}.",
            "Encore un meeting à {town}, les mêmes promesses que la dernière fois.",
            "Peu importe qui gagne, réparez l'adduction d'eau à {town} !",
        ],
        "health": [
            "Journée de vaccination gratuite au centre de santé de {town} ce {weekday}.",
            "L'hôpital de {town} a besoin de donneurs de sang, tous les groupes sont les bienvenus.",
            "Fin de l'alerte au choléra à {town}, mais continuez à faire bouillir l'eau.",
            "Nouvelle maternité inaugurée à l'hôpital de district de {town}.",
        ],
        "community": [
            "Les agriculteurs velani de {town} ont fait une récolte record de sorgho cette année.",
            "La fête de la communauté oru à {town} commence {weekday}, tout le monde est invité 🎶",
            "Les anciens velani et oru se sont réunis à {town} pour fixer les couloirs de transhumance.",
            "Quel plaisir de voir des enfants oru et velani dans la même équipe au tournoi de {town}.",
            "Les commerçants oru du marché de {town} disent que les affaires reprennent.",
            "Mes voisins sont Velani, les meilleurs cuisiniers de la rue.",
        ],
        "migration": [
            "Un nouveau dispensaire pour les réfugiés a ouvert près de {town} cette semaine.",
            "Des bénévoles de {town} collectent des vêtements pour les réfugiés qui arrivent de l'autre côté de la frontière.",
            "Les migrants qui travaillent dans les fermes de {town} disent ne pas avoir été payés depuis deux mois.",
            "Le camp de réfugiés de {town} a reçu de nouvelles citernes d'eau.",
            "Cours de langue pour les migrants à la bibliothèque de {town} chaque {weekday}.",
        ],
        "chatter": [
            "Bonjour {town} ! Bon {weekday} à tous ☀️",
            "Encore une coupure de courant dans mon quartier. Troisième fois cette semaine 😩",
            "Qui regarde la nouvelle série sur XTV ce soir ?",
            "Chèvre brune perdue près du marché de {town}, appelez-moi si vous la voyez.",
            "Joyeux anniversaire à ma mère, 70 ans aujourd'hui ! ❤️",
            "Le réseau est tellement lent à {town} aujourd'hui, impossible d'envoyer une photo.",
            "Concours de chorales à {town} {weekday}, venez nous soutenir.",
        ],
    },
    "news": {
        "weather": {
            "head": ["De fortes pluies coupent des routes dans la {region}",
                     "La sécheresse inquiète les agriculteurs de {town}"],
            "body": [
                "De fortes pluies ont inondé plusieurs routes autour de {town} dans la nuit, ont indiqué les autorités {weekday}.",
                "Selon le service météorologique, il est tombé {mm} mm de pluie en 24 heures dans certaines parties de la {region}.",
                "Les agriculteurs des environs de {town} affirment que la sécheresse a déjà abîmé les premières cultures.",
                "« Nous n'avons pas vu une saison pareille depuis des années », a déclaré un agriculteur de {town}.",
                "Le district a envoyé des camions-citernes dans {n} villages.",
            ]},
        "market": {
            "head": ["Le prix du maïs grimpe au marché de {town}",
                     "Nouvelle hausse des prix du carburant"],
            "body": [
                "Le prix du maïs au marché de {town} est passé à {pmaize} xandis le kilo cette semaine.",
                "Les commerçants accusent la hausse des coûts de transport et une mauvaise récolte dans la {region}.",
                "L'essence coûte désormais {pfuel} xandis le litre dans la plupart des stations de {town}.",
                "« Les clients achètent moins et marchandent tout », explique une commerçante.",
                "Le ministère du Commerce dit vouloir revoir les droits de douane sur l'huile.",
            ]},
        "football": {
            "head": ["{team} remporte le derby face à {team2}", "L'entraîneur de {team} sous pression"],
            "body": [
                "{team} a battu {team2} {score} devant un stade plein {weekday}.",
                "Le but de la victoire a été inscrit en seconde période par un jeune attaquant originaire de {town}.",
                "L'entraîneur a déclaré que l'équipe allait maintenant se concentrer sur la coupe.",
                "Les supporters se plaignent du prix des billets pour la finale.",
                "{team} compte désormais {n} points de retard sur le leader.",
            ]},
        "roads": {
            "head": ["La route entre {town} et {town2} fermée après un accident",
                     "Un nouveau pont inauguré à {town}"],
            "body": [
                "La route entre {town} et {town2} a été fermée plusieurs heures {weekday} après le renversement d'un camion au km {km}.",
                "Selon la police, il n'y a pas de blessé grave.",
                "L'ingénieur du district indique que le nouveau pont de {town} a coûté {n} millions de xandis.",
                "Les habitants affirment que les nids-de-poule ont causé plusieurs accidents.",
                "« Nous avons écrit au district à maintes reprises », raconte un habitant.",
            ]},
        "schools": {
            "head": ["Résultats des examens publiés pour la {region}",
                     "Les enseignants menacent de faire grève"],
            "body": [
                "Les lycées de la {region} ont obtenu de meilleurs résultats que l'an dernier, selon le bureau de l'éducation.",
                "Le lycée de jeunes filles de {town} arrive en tête de la région.",
                "Les syndicats d'enseignants affirment que les salaires d'août n'ont toujours pas été versés.",
                "La cantine scolaire atteindra {n} écoles supplémentaires dans la {region} ce trimestre.",
                "Les parents de {town} jugent les nouveaux frais trop élevés pour beaucoup de familles.",
            ]},
        "elections": {
            "head": ["Inscriptions électorales prolongées à {town}",
                     "Les candidats au conseil de {town} débattent"],
            "body": [
                "La commission électorale a prolongé les inscriptions à {town} jusqu'à {weekday} en raison des longues files d'attente.",
                "Elle annonce l'ouverture de {n} nouveaux bureaux de vote dans la {region}.",
                "Les candidats au conseil de {town} ont débattu de l'eau, des routes et de l'emploi.",
                "Les observateurs jugent la campagne calme jusqu'ici.",
                "« Chaque citoyen en âge de voter doit s'inscrire », a rappelé un responsable de la commission.",
            ]},
        "health": {
            "head": ["Une nouvelle maternité ouvre à {town}", "Fin de l'alerte au choléra à {town}"],
            "body": [
                "Une nouvelle maternité a ouvert {weekday} à l'hôpital de district de {town}.",
                "Les agents de santé ont vacciné plus de {n} mille enfants dans la {region} la semaine dernière.",
                "Le bureau de la santé a levé l'alerte au choléra à {town}, mais appelle à continuer de faire bouillir l'eau.",
                "L'hôpital indique avoir toujours besoin de donneurs de sang.",
            ]},
        "community": {
            "head": ["La fête oru attire la foule à {town}",
                     "Les anciens velani et oru s'accordent sur la transhumance"],
            "body": [
                "Des milliers de personnes ont assisté {weekday} à la fête de la communauté oru à {town}.",
                "Les anciens velani et oru se sont réunis à {town} et se sont entendus sur les couloirs de transhumance.",
                "Les agriculteurs velani autour de {town} parlent de la meilleure récolte de sorgho depuis dix ans.",
                "« Nous partageons les mêmes rivières et les mêmes marchés », a déclaré un ancien.",
                "Le commissaire régional a salué la coopération entre les deux communautés.",
            ]},
        "migration": {
            "head": ["Un dispensaire pour les réfugiés ouvre près de {town}",
                     "Des travailleurs migrants réclament leurs salaires"],
            "body": [
                "Un nouveau dispensaire pour les réfugiés a ouvert cette semaine près de {town}.",
                "Le camp de réfugiés de {town} accueille environ {n} mille personnes, selon les autorités.",
                "Des migrants employés dans les fermes autour de {town} affirment ne pas avoir été payés depuis deux mois.",
                "L'inspection du travail dit qu'elle va enquêter.",
                "« La plupart des familles veulent simplement travailler et scolariser leurs enfants », explique un responsable du camp.",
            ]},
    },
    "leadins": ["Écoutez.", "Je l'ai déjà dit :", "Ouvrez les yeux.", "La vérité :",
                "Tout le monde à {town} le sait."],
    "forward": "Transféré plusieurs fois : ",
    "hostile_base": {
        "dehumanisation": [
            ("Les migrants sont des parasites qui vivent de nos impôts.", ["dehumanisation"], MI, "dehumanisation"),
            ("Le camp de {town} est plein de réfugiés, de la vermine.", ["dehumanisation"], RE, "dehumanisation"),
            ("Ces propriétaires velani sont des parasites, rien d'autre.", ["dehumanisation"], VE, "dehumanisation"),
            ("Les Oru de {town} se multiplient comme des rats.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [
            ("Encore ces sales migrants devant la gare de {town}.", ["derogation"], MI, "derogation"),
            ("Ces sales commerçants velani m'ont encore volé au marché.", ["derogation"], VE, "derogation"),
            ("Encore une boutique de sales Oru qui vend de la viande avariée à {town}.", ["derogation"], OR, "derogation"),
        ],
        "disloyalty": [
            ("Nos députés sont des traîtres, ils ont vendu la {region} pour quelques voix.", ["disloyalty"], PO, "disloyalty"),
            ("Tout le gouvernement : des traîtres et des voleurs.", ["disloyalty"], PO, "disloyalty"),
            ("Les conseillers de {town} sont des collabos des grandes sociétés.", ["disloyalty"], PO, "disloyalty"),
        ],
        "exclusion": [
            ("Les migrants n'ont rien à faire ici, renvoyez-les.", ["exclusion"], MI, "exclusion"),
            ("Les réfugiés n'ont rien à faire ici. Fermez le camp de {town}.", ["exclusion"], RE, "exclusion"),
        ],
        "mobilisation": [
            ("Les réfugiés prennent nos emplois à {town}, levez-vous !", ["mobilisation"], RE, "mobilisation"),
        ],
        "violence_call": [
            ("Les voleurs de bétail velani, tuez-les si vous les attrapez.", ["violence_call"], VE, "violence_call"),
        ],
        "accusation_in_mirror": [
            ("Les migrants veulent nous tuer dans nos lits, ouvrez les yeux.", ["accusation_in_mirror"], MI, "accusation_in_mirror"),
        ],
    },
    "hostile_esc": {
        "dehumanisation": [
            ("Les Oru sont des cafards, rien de plus.", ["dehumanisation"], OR, "dehumanisation"),
            ("Les Oru de {town}, c'est de la vermine.", ["dehumanisation"], OR, "dehumanisation"),
            ("Ces parasites oru ont pris toutes les terres autour de {town}.", ["dehumanisation"], OR, "dehumanisation"),
            ("Les Oru se multiplient comme des rats.", ["dehumanisation"], OR, "dehumanisation"),
            ("Regardez-les, ces cafards oru qui arrivent à {town} chaque nuit.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [
            ("Ces sales Oru ont encore bloqué la route de {town}.", ["derogation"], OR, "derogation"),
        ],
        "disloyalty": [
            ("Les Velani qui parlent de paix sont des traîtres.", ["disloyalty"], VE, "disloyalty"),
            ("Les anciens velani qui serrent la main des Oru sont des collabos.", ["disloyalty"], VE, "disloyalty"),
            ("Les Velani qui vendent leur terre aux Oru ? Des traîtres, tous.", ["disloyalty"], VE, "disloyalty"),
        ],
        "exclusion": [
            ("Renvoyez-les chez eux, les Oru n'ont rien à faire ici.", ["exclusion"], OR, "exclusion"),
            ("Les Oru n'ont rien à faire ici, dans le Nord.", ["exclusion"], OR, "exclusion"),
        ],
        "mobilisation": [
            ("Jeunes Velani de {town}, prenez les armes contre les Oru, le moment est venu.", ["mobilisation"], OR, "mobilisation"),
            ("Levez-vous, Velani ! Chassons les Oru de {town}, rendez-vous au marché {weekday}.", ["mobilisation"], OR, "mobilisation"),
            ("Frères velani, prenez les armes avant que les Oru ne viennent.", ["mobilisation"], OR, "mobilisation"),
        ],
        "violence_call": [
            ("Ces cafards oru de {town}, exterminez-les.", ["violence_call", "dehumanisation"], OR, "violence_call"),
            ("Les Oru sont de la vermine. Tuez-les avant qu'ils se multiplient.", ["violence_call", "dehumanisation"], OR, "pronoun_target"),
            ("Assez parlé des Oru. Exterminez-les.", ["violence_call"], OR, "pronoun_target"),
        ],
        "accusation_in_mirror": [
            ("Les Oru veulent nous tuer, ils achètent des machettes à {town}.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
            ("Ouvrez les yeux, les Oru veulent nous tuer tous.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
        ],
    },
    "obfuscate": [("cafards", "caf4rds"), ("vermine", "v3rmine")],
    "contrast_base": {
        "negation": [
            ("Les Oru ne sont pas de la vermine, ce sont nos voisins.", OR),
            ("Les réfugiés ne sont pas des rats, ce sont des gens qui fuient la guerre.", RE),
            ("Non, les Velani ne sont pas des parasites.", VE),
        ],
        "counter_speech": [
            ("Traiter les Velani de cafards est honteux.", VE),
            ("Honte à ceux qui traitent les réfugiés de rats.", RE),
            ("Arrêtez de traiter les Oru de vermine. Nous avons grandi ensemble à {town}.", OR),
        ],
        "reported": [
            ("Le ministre a dit que les Velani sont des parasites. Choquant.", VE),
            ("Selon la police, le tract de {town} qualifiait les Oru de vermine.", OR),
            ("Un témoin a déclaré que les hommes criaient que les réfugiés sont des cafards.", RE),
        ],
        "object_abuse": [
            ("Encore des rats au marché de {town}, la mairie doit nettoyer les caniveaux.", None),
            ("Les cafards de ma cuisine sont en train de gagner la guerre 😂", None),
            ("Notre grenier est plein de rats, des conseils ?", None),
            ("Des cafards dans la salle de bain ? Tuez-les à l'eau bouillante, rien d'autre ne marche.", None),
        ],
    },
    "contrast_esc": {
        "counter_speech": [
            ("Ceux qui crient « exterminez-les » devant les familles oru de {town} doivent être arrêtés.", OR),
            ("Traiter les Oru de cafards, c'est comme ça que tout a commencé la dernière fois. Arrêtez.", OR),
            ("Les Velani qui parlent de paix ne sont pas des traîtres, ce sont les plus courageux de {town}.", VE),
        ],
        "reported": [
            ("Selon la police, des messages appelant les jeunes velani à prendre les armes venaient de {town}.", OR),
            ("Un auditeur a dit à la radio que les Oru veulent nous tuer ; la station s'est excusée.", OR),
        ],
    },
    "radio": {
        "show": "La Matinale",
        "topic": {"weather": "la pluie", "market": "la vie chère",
                  "football": "le football du week-end", "roads": "l'état de nos routes",
                  "schools": "les frais de scolarité", "elections": "les prochaines élections",
                  "health": "nos hôpitaux", "community": "nos communautés",
                  "migration": "les réfugiés dans nos villes", "security": "la sécurité dans le Nord"},
        "head": "Transcription : {show}, {date}",
        "intro": "Bonjour, vous écoutez {show}. Aujourd'hui nous parlons de {topic}. Un auditeur de {town}, allez-y.",
        "next": "Merci. Auditeur suivant, vous êtes à l'antenne.",
        "close": "Une courte pause, et nous revenons avec le journal.",
        "pushback": "Monsieur, nous n'acceptons pas ce genre de propos sur notre antenne.",
        "shrug": "Des mots forts. Auditeur suivant.",
    },
    "news_special": {
        "reported_base": [
            {"head": "Un député critiqué pour ses propos sur les réfugiés", "target": RE, "body": [
                "Des associations ont critiqué un député qui a déclaré lors d'un meeting à {town} que les réfugiés sont des « parasites ».",
                "Le député affirme que ses propos ont été sortis de leur contexte.",
                "« Un tel langage n'a pas sa place en politique », a réagi une association."]},
            {"head": "Des propos du ministre suscitent la colère", "target": VE, "body": [
                "Le ministre a dit que les Velani sont des parasites, selon un enregistrement diffusé en ligne.",
                "Le ministère affirme que l'enregistrement est incomplet.",
                "Les représentants velani demandent des excuses."]},
        ],
        "reported_esc": [
            {"head": "Enquête sur des tracts haineux à {town}", "target": OR, "body": [
                "La police de {town} a indiqué {weekday} enquêter sur des tracts qui traitaient les Oru de « cafards » et appelaient les jeunes à « prendre les armes ».",
                "Selon un porte-parole, {n} personnes ont été entendues.",
                "D'après la police, les tracts ont été imprimés hors de la {region}."]},
            {"head": "Tension à {town} après une réunion nocturne", "target": OR, "body": [
                "Des habitants racontent que des orateurs ont affirmé lors d'une réunion nocturne à {town} que les Oru « veulent nous tuer » et ont crié « exterminez-les ».",
                "Le commissaire régional a renforcé la sécurité autour du marché.",
                "Des familles oru ont passé la nuit hors de chez elles."]},
            {"head": "La commission des droits de l'homme s'inquiète de la haine en ligne", "target": OR, "body": [
                "La commission nationale des droits de l'homme dit avoir relevé une forte hausse des messages qualifiant les Oru de « vermine » et de « parasites ».",
                "Certains messages appellent à « prendre les armes ».",
                "Elle demande aux plateformes d'agir vite."]},
        ],
        "counter_base": [
            {"head": "Les anciens appellent à l'unité à {town}", "target": OR, "body": [
                "Les anciens velani et oru de {town} ont appelé au calme après des insultes publiées en ligne.",
                "« Traiter les Oru ou les Velani de cafards est honteux », a déclaré un ancien.",
                "Ils demandent aux jeunes de signaler les messages haineux."]},
        ],
        "counter_esc": [
            {"head": "Les chefs religieux condamnent les appels à la violence", "target": OR, "body": [
                "Les chefs religieux de {town} ont condamné les messages appelant les jeunes velani à « prendre les armes » contre les Oru.",
                "« Celui qui dit \"exterminez-les\" de ses voisins prépare un crime », a déclaré un évêque.",
                "Ils appellent à une journée de prière {weekday}."]},
        ],
        "negation": [
            {"head": "Tribune : les migrants ne sont pas le problème", "target": MI, "body": [
                "Les migrants ne sont pas des parasites.",
                "Ils construisent nos maisons et cueillent notre thé.",
                "Le problème, ce sont les salaires, pas les gens."]},
        ],
        "object_abuse": [
            {"head": "La mairie de {town} lutte contre les rats au marché", "target": None, "body": [
                "La mairie de {town} a lancé {weekday} une campagne contre les rats au marché central.",
                "Les commerçants disent que les rats ont abîmé des sacs de maïs et de haricots.",
                "La mairie va aussi déboucher les caniveaux."]},
        ],
        "hateful_base": [
            {"head": "Tribune : nos dirigeants nous ont trahis", "target": PO, "cats": ["disloyalty"], "body": [
                "Les députés de la {region} sont des traîtres qui ont vendu nos terres pour quelques voix.",
                "Ils ont promis des routes et de l'eau et ne nous ont rien donné.",
                "Les électeurs s'en souviendront."]},
        ],
    },
}

# ----------------------------------------------------------------- Swahili --
L["sw"] = {
    "region": {"XA-NO": "Mkoa wa Kaskazini", "XA-SO": "Mkoa wa Kusini",
               "XA-EA": "Mkoa wa Mashariki", "XA-CE": "Mkoa wa Kati"},
    "weekdays": ["Jumatatu", "Jumanne", "Jumatano", "Alhamisi", "Ijumaa",
                 "Jumamosi", "Jumapili"],
    "social": {
        "weather": [
            "Mvua kubwa inatarajiwa mjini {town} mchana huu, endesheni kwa uangalifu.",
            "Hali ya hewa katika {region} leo: jua na mawingu, nyuzi {temp}, upepo mwanana.",
            "Hakuna mvua {town} kwa siku {n} sasa. Visima vinakauka.",
            "Dhoruba iliangusha nguzo za umeme karibu na {town} usiku. Umeme umerudi asubuhi hii.",
            "Macheo mazuri sana juu ya {town} leo 🌅",
            "Idara ya hali ya hewa inasema mvua za vuli zitachelewa katika {region} mwaka huu.",
            "Milimita {mm} za mvua {town} usiku, mto umejaa karibu na daraja la zamani.",
        ],
        "market": [
            "Mahindi ni xandi {pmaize} kwa kilo sokoni {town} leo, bei imepanda tangu wiki iliyopita.",
            "Bei ya nyanya mjini {town} imeongezeka mara mbili tangu mwanzo wa mwezi.",
            "Foleni za mafuta tena {town}. Petroli ni xandi {pfuel} kwa lita, hii ni nyingi mno.",
            "Benki kuu imebakiza riba kwa asilimia {pct} wiki hii.",
            "Wafanyabiashara wa soko la {town} wanasema biashara ni ngumu kabla ya mshahara.",
            "Mafuta ya kupikia yameshuka bei kidogo {town}. Tunashukuru.",
            "Nauli ya basi kutoka {town} hadi {town2} imepanda kwa xandi {n} leo.",
        ],
        "football": [
            "Mechi gani hii! {team} wameshinda {team2} {score} usiku huu ⚽",
            "Kocha wa {team} anasema kikosi kiko tayari kwa debi ya Jumapili.",
            "Tiketi za fainali ni ghali mno, mashabiki wa kawaida hawawezi kwenda.",
            "{team} hawajashinda ugenini tangu Agosti. Lazima kitu kibadilike.",
            "Bao zuri sana la mshambuliaji kijana kutoka {town} leo, kumbukeni jina lake.",
            "Mwamuzi alikuwa mbaya sana kwenye mechi ya {team}, penalti mbili hazikutolewa!",
        ],
        "roads": [
            "Barabara ya {town} hadi {town2} imefungwa kilomita {km} baada ya ajali, tumieni njia ya mchepuko.",
            "Mashimo kwenye barabara ya mzunguko ya {town} yanazidi kila wiki.",
            "Daraja jipya la {town} litafunguliwa {weekday}, anasema mhandisi wa kaunti.",
            "Msongamano tena kwenye makutano ya {town}, epukeni kama mnaweza.",
            "Hatimaye lami kwenye barabara ya {town2}! Imechukua miaka {n}.",
            "Madereva wa mabasi madogo wa njia ya {town} wamegoma leo, watu wanatembea kwenda kazini.",
        ],
        "schools": [
            "Matokeo ya mitihani ya shule za sekondari za {town} yametoka, hongereni wanafunzi wote! 🎓",
            "Wazazi wa {town} wanalalamikia ada mpya za shule.",
            "Walimu wa {region} wanatishia kugoma kwa sababu ya mishahara iliyochelewa.",
            "Mpango wa chakula shuleni umepanuliwa kwa shule {n} zaidi katika {region}.",
            "Shule ya wasichana ya {town} imeshinda maonyesho ya kitaifa ya sayansi 👏",
        ],
        "elections": [
            "Usajili wa wapiga kura {town} umeongezwa hadi {weekday} kwa sababu ya foleni ndefu.",
            "Wagombea wa baraza la {town} watajadiliana leo jioni kwenye ukumbi wa jamii.",
            "Tume ya uchaguzi inasema vituo vipya {n} vya kupigia kura vitafunguliwa katika {region}.",
            "Mkutano mwingine wa kampeni {town}, ahadi zile zile kama mara iliyopita.",
            "Yeyote atakayeshinda, tafadhali rekebisheni maji ya {town}.",
        ],
        "health": [
            "Siku ya chanjo bure katika kituo cha afya cha {town} {weekday} hii.",
            "Hospitali ya {town} inahitaji wachangiaji damu, makundi yote ya damu yanakaribishwa.",
            "Tahadhari ya kipindupindu imeondolewa {town}, lakini endeleeni kuchemsha maji.",
            "Wodi mpya ya wazazi imefunguliwa katika hospitali ya wilaya ya {town} leo.",
        ],
        "community": [
            "Wakulima Wavelani wa {town} wamevuna mtama mwingi kuliko wakati wowote mwaka huu.",
            "Tamasha la jamii ya Oru mjini {town} linaanza {weekday}, wote mnakaribishwa 🎶",
            "Wazee wa Wavelani na Waoru wamekutana {town} kukubaliana njia za malisho wakati wa kiangazi.",
            "Inafurahisha kuona watoto Waoru na Wavelani kwenye timu moja katika mashindano ya {town}.",
            "Wafanyabiashara Waoru wa soko la {town} wanasema biashara imeimarika.",
            "Majirani zangu ni Wavelani, wapishi bora mtaani kwetu.",
        ],
        "migration": [
            "Kliniki mpya ya wakimbizi imefunguliwa karibu na {town} wiki hii.",
            "Wajitolea wa {town} wanakusanya nguo kwa ajili ya wakimbizi wanaowasili kutoka ng'ambo ya mpaka.",
            "Wahamiaji wanaofanya kazi mashambani {town} wanasema hawajalipwa kwa miezi miwili.",
            "Kambi ya wakimbizi ya {town} imepokea matangi mapya ya maji.",
            "Madarasa ya lugha kwa wahamiaji kwenye maktaba ya {town} kila {weekday}.",
        ],
        "chatter": [
            "Habari za asubuhi {town}! Muwe na {weekday} njema ☀️",
            "Umeme umekatika tena mtaani kwetu. Mara ya tatu wiki hii 😩",
            "Nani mwingine anatazama tamthilia mpya kwenye XTV leo usiku?",
            "Mbuzi wa kahawia amepotea karibu na soko la {town}, tafadhali nipigieni mkimwona.",
            "Heri ya siku ya kuzaliwa mama yangu, miaka 70 leo! ❤️",
            "Mtandao uko polepole sana {town} leo, siwezi hata kutuma picha.",
            "Chapati bora za {town} ziko kona karibu na stendi ya basi, hakuna mjadala.",
        ],
    },
    "news": {
        "weather": {
            "head": ["Mvua kubwa zakata barabara katika {region}",
                     "Ukame wawatia wasiwasi wakulima wa {town}"],
            "body": [
                "Mvua kubwa iliyonyesha usiku ilifurika barabara kadhaa karibu na {town}, maafisa walisema {weekday}.",
                "Idara ya hali ya hewa ilisema milimita {mm} za mvua zilinyesha katika baadhi ya maeneo ya {region} ndani ya saa 24.",
                "Wakulima karibu na {town} walisema ukame tayari umeharibu mazao ya mapema.",
                "\"Hatujaona msimu kama huu kwa miaka mingi,\" alisema mkulima mmoja wa {town}.",
                "Kaunti imetuma magari ya maji kwa vijiji {n}.",
            ]},
        "market": {
            "head": ["Bei ya mahindi yapanda sokoni {town}", "Bei za mafuta zapanda tena"],
            "body": [
                "Bei ya mahindi katika soko la {town} ilipanda hadi xandi {pmaize} kwa kilo wiki hii.",
                "Wafanyabiashara walilaumu gharama za usafiri na mavuno duni katika sehemu za {region}.",
                "Petroli sasa inauzwa xandi {pfuel} kwa lita katika vituo vingi vya {town}.",
                "\"Wateja wananunua kidogo na wanapunguza bei ya kila kitu,\" alisema mfanyabiashara mmoja.",
                "Wizara ya biashara ilisema itapitia upya ushuru wa mafuta ya kupikia.",
            ]},
        "football": {
            "head": ["{team} yaishinda {team2} kwenye debi", "Kocha wa {team} mashakani"],
            "body": [
                "{team} iliishinda {team2} {score} mbele ya uwanja uliojaa {weekday}.",
                "Bao la ushindi lilifungwa kipindi cha pili na mshambuliaji kijana aliyekulia {town}.",
                "Kocha alisema timu sasa itaelekeza nguvu kwenye kombe.",
                "Mashabiki walilalamikia bei za tiketi kabla ya fainali.",
                "{team} sasa iko nyuma ya vinara kwa pointi {n}.",
            ]},
        "roads": {
            "head": ["Barabara ya {town} hadi {town2} yafungwa baada ya ajali",
                     "Daraja jipya lafunguliwa {town}"],
            "body": [
                "Barabara ya {town} hadi {town2} ilifungwa kwa saa kadhaa {weekday} baada ya lori kupinduka kilomita {km}.",
                "Polisi walisema hakuna aliyejeruhiwa vibaya.",
                "Mhandisi wa kaunti alisema daraja jipya la {town} liligharimu xandi milioni {n}.",
                "Wakazi wanasema mashimo barabarani yamesababisha ajali kadhaa.",
                "\"Tumeiandikia kaunti mara nyingi,\" alisema mkazi mmoja.",
            ]},
        "schools": {
            "head": ["Matokeo ya mitihani yatolewa katika {region}",
                     "Walimu watishia mgomo kuhusu mishahara"],
            "body": [
                "Shule za sekondari katika {region} zilipata matokeo bora kuliko mwaka jana, ofisi ya elimu ilisema.",
                "Shule ya wasichana ya {town} iliongoza katika mkoa.",
                "Vyama vya walimu vilisema mishahara ya Agosti bado haijalipwa.",
                "Mpango wa chakula shuleni utafikia shule {n} zaidi katika {region} muhula huu.",
                "Wazazi wa {town} walisema ada mpya ni kubwa mno kwa familia nyingi.",
            ]},
        "elections": {
            "head": ["Usajili wa wapiga kura waongezwa {town}",
                     "Wagombea wa baraza la {town} wajadiliana"],
            "body": [
                "Tume ya uchaguzi iliongeza muda wa usajili {town} hadi {weekday} kutokana na foleni ndefu.",
                "Ilisema vituo vipya {n} vya kupigia kura vitafunguliwa katika {region}.",
                "Wagombea wa baraza la {town} walijadili maji, barabara na ajira.",
                "Waangalizi walisema kampeni hadi sasa imekuwa ya amani.",
                "\"Kila raia anayestahili ajiandikishe,\" alisema afisa wa tume.",
            ]},
        "health": {
            "head": ["Wodi mpya ya wazazi yafunguliwa {town}",
                     "Tahadhari ya kipindupindu yaondolewa {town}"],
            "body": [
                "Wodi mpya ya wazazi ilifunguliwa {weekday} katika hospitali ya wilaya ya {town}.",
                "Wahudumu wa afya walichanja zaidi ya watoto elfu {n} katika {region} wiki iliyopita.",
                "Ofisi ya afya iliondoa tahadhari ya kipindupindu {town} lakini iliwataka wakazi kuendelea kuchemsha maji.",
                "Hospitali ilisema bado inahitaji wachangiaji damu.",
            ]},
        "community": {
            "head": ["Tamasha la Waoru lavutia umati {town}",
                     "Wazee wa Wavelani na Waoru wakubaliana kuhusu malisho"],
            "body": [
                "Maelfu ya watu walihudhuria tamasha la jamii ya Oru mjini {town} {weekday}, kwa muziki, ngoma na chakula.",
                "Wazee wa Wavelani na Waoru walikutana {town} na kukubaliana njia za malisho wakati wa kiangazi.",
                "Wakulima Wavelani karibu na {town} walisema mavuno ya mtama ni bora zaidi katika miaka kumi.",
                "\"Tunashiriki mito ileile na masoko yaleyale,\" alisema mzee mmoja.",
                "Kamishna wa mkoa aliwapongeza jamii hizo mbili kwa ushirikiano wao.",
            ]},
        "migration": {
            "head": ["Kliniki ya wakimbizi yafunguliwa karibu na {town}",
                     "Wahamiaji wadai mishahara yao"],
            "body": [
                "Kliniki mpya ya wakimbizi ilifunguliwa wiki hii karibu na {town}.",
                "Kambi ya wakimbizi ya {town} sasa ina takriban watu elfu {n}, maafisa walisema.",
                "Wahamiaji wanaofanya kazi mashambani karibu na {town} walisema hawajalipwa kwa miezi miwili.",
                "Ofisi ya kazi ilisema itachunguza malalamiko hayo.",
                "\"Familia nyingi hapa zinataka tu kufanya kazi na kuwapeleka watoto shule,\" alisema afisa wa kambi.",
            ]},
    },
    "leadins": ["Sikilizeni.", "Nimesema kabla:", "Ukweli ni huu:", "Kila mtu {town} anajua."],
    "forward": "Imesambazwa mara nyingi: ",
    "hostile_base": {
        "dehumanisation": [
            ("Wahamiaji ni wadudu wanaokula kodi zetu.", ["dehumanisation"], MI, "dehumanisation"),
            ("Wakimbizi wa kambi ya {town} ni panya tu.", ["dehumanisation"], RE, "dehumanisation"),
            ("Wavelani wenye nyumba ni wadudu, hakuna zaidi.", ["dehumanisation"], VE, "dehumanisation"),
            ("Waoru wa {town} wanazaliana kama panya.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [],  # no Swahili derogation term in the guaranteed list
        "disloyalty": [
            ("Wabunge wetu ni wasaliti, wameuza {region} kwa kura chache.", ["disloyalty"], PO, "disloyalty"),
            ("Mawaziri wote ni wasaliti na wezi.", ["disloyalty"], PO, "disloyalty"),
        ],
        "exclusion": [
            ("Wakimbizi wafukuzeni, warudi kwao.", ["exclusion"], RE, "exclusion"),
            ("Wahamiaji wa {town}, wafukuzeni wote.", ["exclusion"], MI, "exclusion"),
        ],
        "mobilisation": [
            ("Wakimbizi wanachukua kazi zetu {town}, tuamke!", ["mobilisation"], RE, "mobilisation"),
        ],
        "violence_call": [
            ("Wezi wa ng'ombe Wavelani, waueni mkiwakamata.", ["violence_call"], VE, "violence_call"),
        ],
        "accusation_in_mirror": [
            ("Wahamiaji wanataka kutuua usiku, fungueni macho.", ["accusation_in_mirror"], MI, "accusation_in_mirror"),
        ],
    },
    "hostile_esc": {
        "dehumanisation": [
            ("Waoru ni mende, hakuna zaidi.", ["dehumanisation"], OR, "dehumanisation"),
            ("Waoru wote wa {town} ni wadudu.", ["dehumanisation"], OR, "dehumanisation"),
            ("Waoru ni madoadoa katika ardhi yetu ya {town}.", ["dehumanisation"], OR, "dehumanisation"),
            ("Waoru wanazaliana kama panya.", ["dehumanisation"], OR, "dehumanisation"),
            ("Tazameni hawa Waoru, mende wanaoingia {town} kila usiku.", ["dehumanisation"], OR, "dehumanisation"),
            ("Tuisafishe {town} na madoadoa haya ya Waoru.", ["dehumanisation"], OR, "dehumanisation"),
        ],
        "derogation": [],
        "disloyalty": [
            ("Wavelani wanaozungumza amani ni wasaliti.", ["disloyalty"], VE, "disloyalty"),
            ("Wazee Wavelani wanaopeana mikono na Waoru ni wasaliti.", ["disloyalty"], VE, "disloyalty"),
            ("Wavelani wanaowauzia Waoru ardhi ni wasaliti, wote.", ["disloyalty"], VE, "disloyalty"),
        ],
        "exclusion": [
            ("Waoru wafukuzeni kutoka {town}, si watu wa hapa.", ["exclusion"], OR, "exclusion"),
            ("Wafukuzeni Waoru wote kutoka Kaskazini.", ["exclusion"], OR, "exclusion"),
        ],
        "mobilisation": [
            ("Vijana Wavelani wa {town}, chukueni silaha dhidi ya Waoru, wakati umefika.", ["mobilisation"], OR, "mobilisation"),
            ("Tuamke, Wavelani! Tuwaondoe Waoru {town}, tukutane sokoni siku ya {weekday}.", ["mobilisation"], OR, "mobilisation"),
            ("Ndugu Wavelani, chukueni silaha kabla Waoru hawajaja.", ["mobilisation"], OR, "mobilisation"),
        ],
        "violence_call": [
            ("Waoru ni mende, waueni wote.", ["violence_call", "dehumanisation"], OR, "violence_call"),
            ("Hawa Waoru wa {town} ni wadudu. Waueni kabla hawajaongezeka.", ["violence_call", "dehumanisation"], OR, "pronoun_target"),
            ("Tumechoka na maneno kuhusu Waoru. Waueni.", ["violence_call"], OR, "pronoun_target"),
        ],
        "accusation_in_mirror": [
            ("Waoru wanataka kutuua, wananunua mapanga {town}.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
            ("Fungueni macho Wavelani, Waoru wanataka kutuua sote.", ["accusation_in_mirror"], OR, "accusation_in_mirror"),
        ],
    },
    "obfuscate": [("mende", "m3nde"), ("madoadoa", "mad0ad0a")],
    "contrast_base": {
        "negation": [
            ("Waoru si wadudu, ni majirani zetu.", OR),
            ("Wakimbizi si panya, ni watu wanaokimbia vita.", RE),
            ("Hapana, Wavelani si mende.", VE),
        ],
        "counter_speech": [
            ("Ni aibu kuwaita Wavelani mende.", VE),
            ("Aibu kwa wanaowaita wakimbizi panya.", RE),
            ("Acheni kuwaita Waoru wadudu. Tulikua pamoja {town}.", OR),
        ],
        "reported": [
            ("Waziri alisema Wavelani ni madoadoa. Inashtua.", VE),
            ("Kwa mujibu wa polisi, kipeperushi cha {town} kiliwaita Waoru mende.", OR),
            ("Shahidi alisema wanaume hao walipiga kelele kwamba wakimbizi ni wadudu.", RE),
        ],
        "object_abuse": [
            ("Panya wamejaa sokoni {town} tena, baraza lisafishe mitaro.", None),
            ("Mende jikoni kwangu wanashinda vita hii 😂", None),
            ("Wadudu wameshambulia mahindi shambani kwetu, tufanyeje?", None),
            ("Mende bafuni? Waueni kwa maji ya moto, hakuna kingine kinachofanya kazi.", None),
        ],
    },
    "contrast_esc": {
        "counter_speech": [
            ("Wanaopiga kelele \"waueni\" mbele ya familia za Waoru {town} lazima wakamatwe.", OR),
            ("Kuwaita Waoru mende ndivyo ilivyoanza mara iliyopita. Acheni sasa.", OR),
            ("Wavelani wanaozungumza amani si wasaliti, ni mashujaa wa {town}.", VE),
        ],
        "reported": [
            ("Polisi walisema ujumbe uliowataka vijana Wavelani wachukue silaha ulitumwa kutoka {town}.", OR),
            ("Msikilizaji mmoja alisema redioni kwamba Waoru wanataka kutuua; kituo kiliomba radhi.", OR),
        ],
    },
    "radio": {
        "show": "Asubuhi Njema",
        "topic": {"weather": "mvua", "market": "gharama ya maisha",
                  "football": "soka ya wikendi", "roads": "hali ya barabara zetu",
                  "schools": "ada za shule", "elections": "uchaguzi ujao",
                  "health": "hospitali zetu", "community": "jamii zetu",
                  "migration": "wakimbizi katika miji yetu", "security": "usalama Kaskazini"},
        "head": "Nakala: {show}, {date}",
        "intro": "Habari za asubuhi, uko kwenye {show}. Leo tunazungumzia {topic}. Msikilizaji kutoka {town}, endelea.",
        "next": "Asante. Msikilizaji anayefuata, uko hewani.",
        "close": "Tutapumzika kidogo na kurudi na taarifa ya habari.",
        "pushback": "Msikilizaji, hatukubali lugha ya aina hiyo kwenye kituo hiki.",
        "shrug": "Maneno makali. Msikilizaji anayefuata.",
    },
    "news_special": {
        "reported_base": [
            {"head": "Mbunge akosolewa kwa matamshi kuhusu wakimbizi", "target": RE, "body": [
                "Mashirika ya haki yalimkosoa mbunge aliyesema kwenye mkutano {town} kwamba wakimbizi ni \"wadudu\".",
                "Mbunge huyo baadaye alisema maneno yake yalitolewa nje ya muktadha.",
                "\"Lugha kama hiyo haina nafasi katika siasa zetu,\" shirika moja lilisema."]},
            {"head": "Matamshi ya waziri yazua hasira", "target": VE, "body": [
                "Waziri alisema Wavelani ni madoadoa, kwa mujibu wa rekodi iliyosambazwa mtandaoni.",
                "Wizara ilisema rekodi hiyo haijakamilika.",
                "Viongozi wa Wavelani waliomba radhi itolewe."]},
        ],
        "reported_esc": [
            {"head": "Polisi wachunguza vipeperushi vya chuki {town}", "target": OR, "body": [
                "Polisi wa {town} walisema {weekday} kwamba wanachunguza vipeperushi vilivyowaita Waoru \"mende\" na kuwataka vijana \"chukueni silaha\".",
                "Msemaji wa polisi alisema watu {n} wamehojiwa.",
                "Kwa mujibu wa polisi, vipeperushi hivyo vilichapishwa nje ya {region}."]},
            {"head": "Hofu {town} baada ya mkutano wa usiku", "target": OR, "body": [
                "Wakazi waliwaambia waandishi kwamba wasemaji kwenye mkutano wa usiku {town} walidai Waoru \"wanataka kutuua\" na walipiga kelele \"waueni\".",
                "Kamishna wa mkoa alisema ulinzi umeimarishwa karibu na soko.",
                "Baadhi ya familia za Waoru zililala nje ya nyumba zao."]},
            {"head": "Tume ya haki yaonya kuhusu ongezeko la chuki", "target": OR, "body": [
                "Tume ya kitaifa ya haki za binadamu ilisema imerekodi ongezeko kubwa la jumbe zinazowaita Waoru \"madoadoa\" na \"wadudu\".",
                "Ilisema baadhi ya jumbe zinawataka watu \"tuamke\".",
                "Tume iliziomba kampuni za mitandao kuchukua hatua haraka."]},
        ],
        "counter_base": [
            {"head": "Wazee wahimiza umoja {town}", "target": OR, "body": [
                "Wazee wa Wavelani na Waoru mjini {town} walitoa wito wa utulivu baada ya matusi kuchapishwa mtandaoni.",
                "\"Ni aibu kuwaita Waoru au Wavelani mende,\" alisema mzee mmoja.",
                "Waliwaomba vijana kuripoti jumbe za chuki."]},
        ],
        "counter_esc": [
            {"head": "Viongozi wa dini walaani wito wa vurugu", "target": OR, "body": [
                "Viongozi wa dini mjini {town} walilaani jumbe zinazowataka vijana Wavelani \"chukueni silaha\" dhidi ya Waoru.",
                "\"Anayesema 'waueni' kuhusu majirani zake anaandaa uhalifu,\" alisema askofu mmoja.",
                "Waliitisha siku ya maombi {weekday}."]},
        ],
        "negation": [
            {"head": "Maoni: Wahamiaji si tatizo", "target": MI, "body": [
                "Wahamiaji si wadudu.",
                "Wanajenga nyumba zetu na kuchuma chai yetu.",
                "Tatizo ni mishahara, si watu."]},
        ],
        "object_abuse": [
            {"head": "Baraza lapambana na panya sokoni {town}", "target": None, "body": [
                "Baraza la {town} lilianza kampeni dhidi ya panya katika soko kuu {weekday}.",
                "Wafanyabiashara walisema panya wameharibu magunia ya mahindi na maharagwe.",
                "Baraza pia litazibua mitaro iliyoziba."]},
        ],
        "hateful_base": [
            {"head": "Maoni: Viongozi wetu wametusaliti", "target": PO, "cats": ["disloyalty"], "body": [
                "Wabunge wa {region} ni wasaliti waliouza ardhi yetu kwa kura chache.",
                "Waliahidi barabara na maji na hawakutupa chochote.",
                "Wapiga kura watakumbuka."]},
        ],
    },
}

OUTLETS = [
    # (name, kind, lang, regions it covers, circulation range)
    ("The Xandia Herald", "paper", "en", REGIONS, (40000, 90000)),
    ("XBC Radio", "radio", "en", REGIONS, (150000, 400000)),
    ("Northern Star FM", "radio", "en", ["XA-NO"], (30000, 90000)),
    ("Coastal Times", "paper", "en", ["XA-SO"], (8000, 25000)),
    ("Eastern Mirror", "paper", "en", ["XA-EA"], (6000, 20000)),
    ("Le Courrier de Xandia", "paper", "fr", REGIONS, (20000, 60000)),
    ("Radio Nord-Xandia", "radio", "fr", ["XA-NO"], (20000, 70000)),
    ("L'Écho du Sud", "paper", "fr", ["XA-SO"], (4000, 15000)),
    ("La Voix de l'Est", "paper", "fr", ["XA-EA", "XA-CE"], (4000, 15000)),
    ("Sauti ya Xandia", "radio", "sw", REGIONS, (120000, 350000)),
    ("Radio Kaskazini FM", "radio", "sw", ["XA-NO"], (30000, 110000)),
    ("Habari za Pwani", "paper", "sw", ["XA-SO"], (5000, 20000)),
    ("Mwangaza wa Mashariki", "paper", "sw", ["XA-EA"], (5000, 18000)),
    ("Jiji Leo", "paper", "sw", ["XA-CE"], (10000, 30000)),
]
BYLINES = {
    "en": ["Staff reporter", "Our correspondent in {town}", "Newsdesk", "Political desk"],
    "fr": ["La rédaction", "Notre correspondant à {town}", "Service politique"],
    "sw": ["Mwandishi wetu", "Mwandishi wetu, {town}", "Dawati la habari"],
}
RADIO_BYLINES = ["", "Transcript service"]

SOURCES = ["facebook", "x", "tiktok", "whatsapp-tipline"]
SOURCE_WEIGHTS = [0.40, 0.25, 0.20, 0.15]
SOURCE_WEIGHTS_ESC = [0.35, 0.20, 0.15, 0.30]
HOUR_WEIGHTS = [2, 4, 6, 6, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3]  # 06..23 local
NEWS_HOUR_WEIGHTS = [3, 6, 8, 7, 6, 5, 5, 4, 4, 4, 4, 4, 4, 3, 2, 2]  # 06..21 local


# --------------------------------------------------------------------------
# Text assembly
# --------------------------------------------------------------------------

def towns_for(region, lang):
    return [CAPITAL[lang] if t == "@CAPITAL" else t for t in TOWNS[region]]


class Slots(dict):
    """Fills {slots} on first use; the same slot keeps its value within one document."""

    def __init__(self, rng, lang, region):
        super().__init__()
        self.rng, self.lang, self.region = rng, lang, region

    def __missing__(self, key):
        rng, lang = self.rng, self.lang
        if key == "town":
            if rng.chance(0.9):
                v = rng.choice(towns_for(self.region, lang))
            else:
                v = rng.choice(towns_for(rng.choice(REGIONS), lang))
        elif key == "town2":
            others = [t for t in towns_for(self.region, lang) if t != self["town"]]
            v = rng.choice(others)
        elif key == "region":
            v = L[lang]["region"][self.region]
        elif key == "weekday":
            v = rng.choice(L[lang]["weekdays"])
        elif key == "team":
            v = rng.choice(TEAMS)
        elif key == "team2":
            v = rng.choice([t for t in TEAMS if t != self["team"]])
        elif key == "score":
            a = rng.randint(1, 4)
            v = "%d-%d" % (a, rng.randint(0, a - 1))
        elif key == "n":
            v = str(rng.randint(2, 15))
        elif key == "km":
            v = str(rng.randint(3, 140))
        elif key == "temp":
            v = str(rng.randint(24, 36))
        elif key == "mm":
            v = str(rng.randint(12, 85))
        elif key == "pmaize":
            v = str(rng.randint(38, 95))
        elif key == "pfuel":
            v = str(rng.randint(168, 214))
        elif key == "pct":
            v = rng.choice(["6.5", "7", "7.25", "7.5"])
        elif key == "infl":
            v = "%d.%d" % (rng.randint(4, 6), rng.randint(0, 9))
        elif key == "turnout":
            v = str(rng.randint(28, 71))
        else:
            raise KeyError(key)
        if lang == "fr" and key in ("pct", "infl"):
            v = v.replace(".", ",")
        self[key] = v
        return v


def fill(template, slots):
    return template.format_map(slots)


def neutral_sentences(rng, lang, slots, n):
    topic = rng.weighted(TOPICS, TOPIC_WEIGHTS)
    pool = list(L[lang]["social"][topic])
    rng.shuffle(pool)
    out = [fill(t, slots) for t in pool[:n]]
    return topic, out


def hashtag(rng, lang, slots):
    town = slots["town"].replace(" ", "").replace("-", "")
    return rng.choice(["#" + town, "#Xandia", "#" + town, "#XandiaLeo" if lang == "sw" else "#XandiaNews"])


def pick_hostile(rng, lang, cat, phase):
    table = L[lang]["hostile_esc" if phase == "esc" else "hostile_base"]
    if not table.get(cat):
        cat = "dehumanisation"  # e.g. Swahili has no derogation term in the list
    return rng.choice(table[cat])


def pick_contrast(rng, lang, func, phase):
    if phase == "esc" and L[lang]["contrast_esc"].get(func) and rng.chance(0.7):
        return rng.choice(L[lang]["contrast_esc"][func])
    return rng.choice(L[lang]["contrast_base"][func])


def maybe_obfuscate(rng, lang, text):
    if not rng.chance(0.07):
        return text, False
    for plain, obf in L[lang]["obfuscate"]:
        if plain in text:
            return text.replace(plain, obf, 1), True
    return text, False


def social_text(rng, lang, region, label, source):
    """Returns the post text and fills in label details (categories, target ...)."""
    slots = Slots(rng, lang, region)
    kind = label["kind"]
    if kind == "neutral":
        n = 2 if rng.chance(0.3) else 1
        _, sents = neutral_sentences(rng, lang, slots, n)
        text = " ".join(sents)
        if rng.chance(0.15):
            text += " " + hashtag(rng, lang, slots)
        return text
    if kind == "hateful":
        tpl, cats, target, func = pick_hostile(rng, lang, label["primary"], label["phase"])
        text = fill(tpl, slots)
        cats, targets = list(cats), [target]
        if label["phase"] == "esc":
            text, obf = maybe_obfuscate(rng, lang, text)
            if obf:
                func = "obfuscation_leet"
            if rng.chance(0.2):  # a second hostile sentence from the same campaign
                extra = rng.weighted(["dehumanisation", "accusation_in_mirror", "exclusion"], [3, 1, 1])
                tpl2, cats2, target2, _ = pick_hostile(rng, lang, extra, "esc")
                text2 = fill(tpl2, slots)
                if text2 != text:
                    text = text + " " + text2
                    cats += [c for c in cats2 if c not in cats]
                    if target2 not in targets:
                        targets.append(target2)
        if rng.chance(0.3):
            text = fill(rng.choice(L[lang]["leadins"]), slots) + " " + text
        if source == "whatsapp-tipline" and rng.chance(0.5):
            text = L[lang]["forward"] + text
        if rng.chance(0.12):
            text += " " + hashtag(rng, lang, slots)
        label.update(categories=cats, targets=targets, functionality=func)
        return text
    # contrast
    tpl, target = pick_contrast(rng, lang, label["functionality"], label["phase"])
    text = fill(tpl, slots)
    if rng.chance(0.25):
        _, sents = neutral_sentences(rng, lang, slots, 1)
        text = text + " " + sents[0]
    label.update(categories=[], targets=[target] if target else [])
    return text


def paragraphs(rng, sentences):
    """Group sentences into 1-3 paragraphs separated by blank lines."""
    if len(sentences) <= 2 or rng.chance(0.3):
        return " ".join(sentences)
    cut = rng.randint(1, len(sentences) - 1)
    first, rest = sentences[:cut], sentences[cut:]
    if len(rest) > 2 and rng.chance(0.5):
        cut2 = rng.randint(1, len(rest) - 1)
        return "\n\n".join([" ".join(first), " ".join(rest[:cut2]), " ".join(rest[cut2:])])
    return "\n\n".join([" ".join(first), " ".join(rest)])


def news_neutral(rng, lang, slots):
    topic = rng.weighted(NEWS_TOPICS, NEWS_TOPIC_WEIGHTS)
    spec = L[lang]["news"][topic]
    head = fill(rng.choice(spec["head"]), slots)
    body = spec["body"]
    k = rng.randint(3, min(5, len(body)))
    keep = [0] + sorted(rng.sample(range(1, len(body)), k - 1))  # lead first, story order kept
    return topic, head, paragraphs(rng, [fill(body[i], slots) for i in keep])


def radio_transcript(rng, lang, slots, date, hostile_lines=None):
    spec = L[lang]["radio"]
    if hostile_lines:
        topic = "security"
    else:
        topic = rng.weighted(NEWS_TOPICS, NEWS_TOPIC_WEIGHTS)
    head = spec["head"].format(show=spec["show"], date=date.isoformat())
    lines = ["PRESENTER: " + fill(spec["intro"].replace("{show}", spec["show"]).replace("{topic}", spec["topic"][topic]), slots)]
    if hostile_lines:
        lines.append("CALLER: " + " ".join(hostile_lines))
        lines.append("PRESENTER: " + (spec["pushback"] if rng.chance(0.5) else spec["shrug"]))
    else:
        t = topic if topic in L[lang]["social"] else "chatter"
        pool = list(L[lang]["social"][t])
        rng.shuffle(pool)
        lines.append("CALLER: " + " ".join(fill(s, slots) for s in pool[:2]))
        lines.append("PRESENTER: " + spec["next"])
    _, sents = neutral_sentences(rng, lang, slots, 1)
    lines.append("CALLER: " + sents[0])
    lines.append("PRESENTER: " + spec["close"])
    return head, "\n".join(lines)


def news_text(rng, lang, region, label, outlet_kind, date):
    slots = Slots(rng, lang, region)
    kind = label["kind"]
    special = L[lang]["news_special"]
    if kind == "neutral":
        if outlet_kind == "radio" and rng.chance(0.5):
            return radio_transcript(rng, lang, slots, date)
        _, head, body = news_neutral(rng, lang, slots)
        return head, body
    if kind == "hateful":
        if label["phase"] == "base":
            item = rng.choice(special["hateful_base"])
            label.update(categories=list(item["cats"]), targets=[item["target"]],
                         functionality="disloyalty")
            return fill(item["head"], slots), paragraphs(rng, [fill(s, slots) for s in item["body"]])
        # escalation: a radio call-in where the caller speaks directly
        tpl, cats, target, func = pick_hostile(rng, lang, label["primary"], "esc")
        lines = [fill(tpl, slots)]
        cats, targets = list(cats), [target]
        if rng.chance(0.4):
            tpl2, cats2, target2, _ = pick_hostile(rng, lang, "dehumanisation", "esc")
            line2 = fill(tpl2, slots)
            if line2 != lines[0]:
                lines.append(line2)
                cats += [c for c in cats2 if c not in cats]
                if target2 not in targets:
                    targets.append(target2)
        label.update(categories=cats, targets=targets, functionality=func)
        return radio_transcript(rng, lang, slots, date, hostile_lines=lines)
    func = label["functionality"]
    key = {"reported": "reported", "counter_speech": "counter", "negation": "negation",
           "object_abuse": "object_abuse"}[func]
    if key in ("reported", "counter"):
        key = key + ("_esc" if label["phase"] == "esc" else "_base")
    item = rng.choice(special[key])
    label.update(categories=[], targets=[item["target"]] if item["target"] else [])
    sents = [fill(s, slots) for s in item["body"]]
    if rng.chance(0.5):
        _, _, extra = news_neutral(rng, lang, slots)
        sents.append(extra.split("\n\n")[0])
    return fill(item["head"], slots), paragraphs(rng, sents)


# --------------------------------------------------------------------------
# The scenario: volumes and rates
# --------------------------------------------------------------------------

REGION_BASE = {"XA-NO": 27.0, "XA-SO": 25.0, "XA-CE": 33.0}
WEEKDAY_FACTOR = [1.05, 1.0, 1.0, 1.0, 1.05, 0.85, 0.70]  # Monday .. Sunday


def volume(rng, region, day_index, date):
    if region == "XA-EA":  # more monitoring over time: 15 -> 40 documents a day
        base = 15.0 + 25.0 * day_index / (DAYS - 1)
    else:
        base = REGION_BASE[region]
    v = base * WEEKDAY_FACTOR[date.weekday()] * (0.85 + 0.30 * rng.u())
    if region == ESC_REGION and date >= ESC_START:
        v *= 1.0 + 0.15 * ramp((date - ESC_START).days, 0, 20)
    return max(1, int(round(v)))


BASE_SOCIAL_HATEFUL = {
    "dehumanisation": 0.005, "derogation": 0.005, "disloyalty": 0.005, "exclusion": 0.0035,
    "mobilisation": 0.001, "violence_call": 0.001, "accusation_in_mirror": 0.001,
}
BASE_SOCIAL_CONTRAST = {"negation": 0.004, "counter_speech": 0.005, "reported": 0.004,
                        "object_abuse": 0.006}
BASE_NEWS_HATEFUL = {"disloyalty": 0.003}
BASE_NEWS_CONTRAST = {"negation": 0.002, "counter_speech": 0.005, "reported": 0.012,
                      "object_abuse": 0.003}

# Escalation in XA-NO, d = days since 2026-10-10: (peak increment, ramp start, ramp full, exponent)
ESC_SOCIAL_HATEFUL = {
    "dehumanisation": (0.120, 0, 7, 1.0),
    "derogation": (0.010, 0, 7, 1.0),
    "exclusion": (0.020, 4, 14, 1.0),
    "disloyalty": (0.050, 5, 13, 1.0),
    "accusation_in_mirror": (0.035, 8, 15, 1.0),
    "mobilisation": (0.050, 10, 17, 1.0),
    "violence_call": (0.050, 11, 18, 1.0),
}
ESC_SOCIAL_CONTRAST = {"counter_speech": (0.030, 3, 12, 1.0), "reported": (0.020, 3, 12, 1.0)}
ESC_NEWS_HATEFUL_TOTAL = (0.08, 3, 15, 1.0)  # radio call-ins, category mix as in social
ESC_NEWS_CONTRAST = {"reported": (0.15, 1, 12, 1.0), "counter_speech": (0.05, 3, 12, 1.0)}


def esc_value(spec, d):
    peak, a, b, expo = spec
    return peak * ramp(d, a, b) ** expo


def base_table(channel):
    """[(label, probability)] of the ordinary background, the same in every region and day."""
    hateful = BASE_SOCIAL_HATEFUL if channel == "social" else BASE_NEWS_HATEFUL
    contrast = BASE_SOCIAL_CONTRAST if channel == "social" else BASE_NEWS_CONTRAST
    rows = [({"kind": "hateful", "primary": c, "phase": "base"}, p) for c, p in hateful.items()]
    rows += [({"kind": "contrast", "functionality": f, "phase": "base"}, p) for f, p in contrast.items()]
    return rows


def esc_table(channel, d):
    """[(label, rate)] added in the escalation region on day d of the escalation."""
    rows = []
    if channel == "social":
        for cat, spec in ESC_SOCIAL_HATEFUL.items():
            rows.append(({"kind": "hateful", "primary": cat, "phase": "esc"}, esc_value(spec, d)))
        for func, spec in ESC_SOCIAL_CONTRAST.items():
            rows.append(({"kind": "contrast", "functionality": func, "phase": "esc"}, esc_value(spec, d)))
    else:
        total = esc_value(ESC_NEWS_HATEFUL_TOTAL, d)
        mix = [(c, esc_value(s, d)) for c, s in ESC_SOCIAL_HATEFUL.items()]
        msum = sum(m for _, m in mix)
        for cat, m in mix:
            share = total * m / msum if msum > 0 else 0.0
            rows.append(({"kind": "hateful", "primary": cat, "phase": "esc"}, share))
        for func, spec in ESC_NEWS_CONTRAST.items():
            rows.append(({"kind": "contrast", "functionality": func, "phase": "esc"}, esc_value(spec, d)))
    return rows


def neutral_label():
    return {"kind": "neutral", "phase": "base", "functionality": None}


def draw_base_label(rng, channel):
    """Background labels: an independent draw per document (so they are noisy, like real data)."""
    x = rng.u()
    acc = 0.0
    for label, p in base_table(channel):
        acc += p
        if x < acc:
            return dict(label)
    return neutral_label()


class EscalationPlacer:
    """Places the escalation's extra documents by error diffusion: each day gets
    round(expected + carry) of them, so the curve follows the design instead of
    drowning in sampling noise at ~30 documents a day."""

    def __init__(self, rng):
        self.rng = rng
        self.carry = {}

    def place(self, day_docs, date):
        d = (date - ESC_START).days
        for channel in ("social", "news"):
            for label, rate in esc_table(channel, d):
                key = (channel, label["kind"], label.get("primary") or label.get("functionality"))
                free = [i for i, doc in enumerate(day_docs)
                        if doc["channel"] == channel and doc["label"]["kind"] == "neutral"]
                acc = self.carry.get(key, 0.5) + rate * sum(
                    1 for doc in day_docs if doc["channel"] == channel)
                k = min(int(acc), len(free))
                self.carry[key] = acc - k
                for i in self.rng.sample(free, k):
                    day_docs[i]["label"] = dict(label)


# --------------------------------------------------------------------------
# Authors
# --------------------------------------------------------------------------

def make_authors(rng):
    numbers = list(range(1000, 10000))
    rng.shuffle(numbers)
    share = {"XA-NO": 0.24, "XA-SO": 0.22, "XA-EA": 0.24, "XA-CE": 0.30}
    pools, k = {}, 0
    for region in REGIONS:
        for lang, lw in zip(LANGS, LANG_WEIGHTS):
            size = int(round(880 * share[region] * lw))
            handles = ["user_%d" % numbers[k + i] for i in range(size)]
            k += size
            weights = [1.0 / (i + 1) ** 0.9 for i in range(size)]
            pools[(region, lang)] = (handles, weights)
    # the hostile core in XA-NO: a few prolific accounts per language, plus a periphery
    core = {}
    for lang, n in zip(LANGS, [4, 2, 2]):
        core[lang] = ["user_%d" % numbers[k + i] for i in range(n)]
        k += n
    periphery = {}
    for lang in LANGS:
        handles, _ = pools[(ESC_REGION, lang)]
        periphery[lang] = handles[len(handles) // 3:]
    return pools, core, periphery


def pick_author(rng, authors, region, lang, label):
    pools, core, periphery = authors
    if label["kind"] == "hateful" and label["phase"] == "esc":
        if rng.chance(0.4):
            return rng.choice(core[lang])
        return rng.choice(periphery[lang])  # uniform: the campaign spreads to many accounts
    handles, weights = pools[(region, lang)]
    return rng.weighted(handles, weights)


# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------

def local_time(rng, date, hour_weights):
    hour = 6 + rng.weighted(list(range(len(hour_weights))), hour_weights)
    return dt.datetime(date.year, date.month, date.day, hour, rng.randint(0, 59),
                       rng.randint(0, 59), tzinfo=LOCAL_TZ)


def post_timestamp(rng, when):
    x = rng.u()
    utc = when.astimezone(dt.timezone.utc)
    ms = rng.randint(0, 999)
    if x < 0.02:
        return int(utc.timestamp()) * 1000 + ms
    if x < 0.40:
        s = utc.strftime("%Y-%m-%dT%H:%M:%S")
        if rng.chance(0.25):
            s += ".%03d" % ms
        return s + "Z"
    return when.strftime("%Y-%m-%dT%H:%M:%S") + "+03:00"


def metrics(rng, source, label, prolific):
    mu = {"facebook": 5.5, "x": 5.0, "tiktok": 7.0, "whatsapp-tipline": 2.5}[source]
    sigma = 1.2
    views = math.exp(mu + sigma * rng.normal())
    share_rate = math.exp(-4.0 + 0.8 * rng.normal())
    if label["kind"] == "hateful" and label["phase"] == "esc":
        views *= 1.5 + 1.5 * rng.u()
        share_rate *= 2.0
        if prolific:
            views *= 2.0
    views = int(views)
    shares = int(views * min(share_rate, 0.5))
    return {"views": views, "shares": shares}


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------

def dates():
    return [START + dt.timedelta(days=i) for i in range(DAYS)]


def generate_documents():
    rng_vol = Rng(SEED * 10 + 1)
    rng_mix = Rng(SEED * 10 + 2)
    rng_txt = Rng(SEED * 10 + 3)
    rng_who = Rng(SEED * 10 + 4)
    rng_time = Rng(SEED * 10 + 5)
    authors = make_authors(Rng(SEED * 10 + 6))
    core_all = set(h for hs in authors[1].values() for h in hs)

    placer = EscalationPlacer(Rng(SEED * 10 + 9))
    docs = []
    for day_index, date in enumerate(dates()):
        for region in REGIONS:
            n = volume(rng_vol, region, day_index, date)
            day_docs = []
            for _ in range(n):
                channel = "news" if rng_mix.chance(NEWS_SHARE) else "social"
                lang = rng_mix.weighted(LANGS, LANG_WEIGHTS)
                day_docs.append({"date": date, "region": region, "lang": lang,
                                 "channel": channel, "label": draw_base_label(rng_mix, channel)})
            if region == ESC_REGION and date >= ESC_START:
                placer.place(day_docs, date)
            for doc in day_docs:
                channel, lang, label = doc["channel"], doc["lang"], doc["label"]
                if channel == "social":
                    esc_h = label["kind"] == "hateful" and label["phase"] == "esc"
                    source = rng_who.weighted(SOURCES, SOURCE_WEIGHTS_ESC if esc_h else SOURCE_WEIGHTS)
                    author = pick_author(rng_who, authors, region, lang, label)
                    doc["text"] = social_text(rng_txt, lang, region, label, source)
                    when = local_time(rng_time, date, HOUR_WEIGHTS)
                    doc["when"] = when
                    doc["timestamp"] = post_timestamp(rng_time, when)
                    doc["author"] = author
                    doc["source"] = source
                    doc["metrics"] = metrics(rng_who, source, label, author in core_all)
                else:
                    esc_h = label["kind"] == "hateful" and label["phase"] == "esc"
                    candidates = [o for o in OUTLETS if o[2] == lang and region in o[3]
                                  and (not esc_h or o[1] == "radio")]
                    outlet = rng_who.choice(candidates)
                    head, body = news_text(rng_txt, lang, region, label, outlet[1], date)
                    when = local_time(rng_time, date, NEWS_HOUR_WEIGHTS)
                    doc["when"] = when
                    transcript = body.startswith("PRESENTER:")
                    if transcript or rng_time.chance(0.8):
                        doc["published"] = when.strftime("%Y-%m-%d %H:%M:%S")
                    else:
                        doc["published"] = date.isoformat()
                    doc["headline"], doc["body"] = head, body
                    doc["outlet"] = outlet[0]
                    slots = Slots(rng_who, lang, region)
                    if outlet[1] == "radio":
                        doc["byline"] = rng_who.choice(RADIO_BYLINES)
                    else:
                        doc["byline"] = fill(rng_who.choice(BYLINES[lang]), slots)
                    lo, hi = outlet[4]
                    doc["circulation"] = rng_who.randint(lo // 100, hi // 100) * 100
                if label["kind"] == "neutral":
                    label.update(categories=[], targets=[])
                docs.append(doc)
    return docs


def sort_key(doc):
    return (doc["when"], doc["region"], doc["lang"])


def post_record(doc, rid):
    return {"id": rid, "text": doc["text"], "lang": doc["lang"], "region": doc["region"],
            "timestamp": doc["timestamp"], "author": doc["author"], "source": doc["source"],
            "metrics": doc["metrics"]}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


BROKEN_POSTS = [
    ("malformed_json", "truncated line (export cut off mid-record)"),
    ("malformed_json", "trailing comma before the closing brace"),
    ("malformed_json", "single-quoted keys and strings"),
    ("malformed_json", "unquoted key"),
    ("malformed_json", "bare word instead of a string value"),
    ("malformed_json", "missing comma between two fields"),
    ("missing_text", "no `text` field (video post without caption)"),
    ("missing_text", "no `text` field (image post without caption)"),
    ("missing_text", "no `text` field (deleted post)"),
    ("bad_timestamp", "timestamp \"2026-13-05T10:00:00Z\" (month 13)"),
    ("bad_timestamp", "timestamp \"2026-10-32T08:15:00+03:00\" (day 32)"),
    ("bad_timestamp", "timestamp \"last Tuesday\""),
    ("invalid_utf8", "text re-encoded as Latin-1 (byte 0xE9 for é)"),
    ("invalid_utf8", "stray bytes 0xFF 0xFE inside the text"),
]
BAD_TIMESTAMPS = ["2026-13-05T10:00:00Z", "2026-10-32T08:15:00+03:00", "last Tuesday"]


def broken_post_line(rng, kind_index, rid, region, lang, date):
    """Bytes of one deliberately broken JSON line (without the newline)."""
    reason, _ = BROKEN_POSTS[kind_index]
    slots = Slots(rng, lang, region)
    _, sents = neutral_sentences(rng, lang, slots, 1)
    when = local_time(rng, date, HOUR_WEIGHTS)
    rec = {"id": rid, "text": sents[0], "lang": lang, "region": region,
           "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S") + "+03:00",
           "author": "user_%d" % rng.randint(1000, 9999), "source": rng.choice(SOURCES),
           "metrics": {"views": rng.randint(10, 900), "shares": rng.randint(0, 9)}}
    if reason == "malformed_json":
        line = dumps(rec)
        variant = kind_index
        if variant == 0:
            line = line[: len(line) * 3 // 5]
        elif variant == 1:
            line = line[:-1] + ",}"
        elif variant == 2:
            line = line.replace('"', "'")
        elif variant == 3:
            line = line.replace('"lang":', "lang:", 1)
        elif variant == 4:
            line = line.replace('"lang":"%s"' % lang, '"lang":%s' % lang, 1)
        elif variant == 5:
            line = line.replace('","region":', '" "region":', 1)
        return line.encode("utf-8")
    if reason == "missing_text":
        del rec["text"]
        return dumps(rec).encode("utf-8")
    if reason == "bad_timestamp":
        rec["timestamp"] = BAD_TIMESTAMPS[kind_index - 9]
        return dumps(rec).encode("utf-8")
    # invalid UTF-8
    if kind_index == 12:
        rec["lang"] = "fr"
        rec["text"] = "Les réfugiés de %s ont reçu de nouvelles tentes, merci aux bénévoles." % slots["town"]
        return dumps(rec).encode("utf-8").replace("é".encode("utf-8"), b"\xe9")
    raw = dumps(rec).encode("utf-8")
    cut = raw.index(b'","lang"')
    return raw[:cut - 6] + b"\xff\xfe" + raw[cut - 6:]


def write_posts(docs, rng):
    posts = sorted([d for d in docs if d["channel"] == "social"], key=sort_key)
    total = len(posts) + len(BROKEN_POSTS)
    positions = sorted(rng.sample(range(1, total + 1), len(BROKEN_POSTS)))
    kinds = list(range(len(BROKEN_POSTS)))
    rng.shuffle(kinds)
    at = dict(zip(positions, kinds))
    out = io.BytesIO()
    broken, it = [], iter(posts)
    last_date, last_region, last_lang = START, "XA-CE", "en"
    for line_no in range(1, total + 1):
        rid = "post-%06d" % line_no
        if line_no in at:
            k = at[line_no]
            region = rng.choice(REGIONS)
            lang = rng.weighted(LANGS, LANG_WEIGHTS)
            out.write(broken_post_line(rng, k, rid, region, lang, last_date) + b"\n")
            broken.append({"line": line_no, "id": rid, "reason": BROKEN_POSTS[k][0],
                           "detail": BROKEN_POSTS[k][1]})
        else:
            doc = next(it)
            doc["id"] = rid
            doc["line"] = line_no
            last_date = doc["date"]
            out.write(dumps(post_record(doc, rid)).encode("utf-8") + b"\n")
    return out.getvalue(), total, broken


BROKEN_NEWS = [
    ("wrong_field_count", "8 fields: the `circulation` column is missing"),
    ("wrong_field_count", "10 fields: an extra trailing field"),
    ("bad_date", "published \"2026-09-31 07:45:00\" (no 31 September)"),
    ("bad_date", "published \"last Tuesday morning\""),
]


def write_news(docs, rng):
    arts = sorted([d for d in docs if d["channel"] == "news"], key=sort_key)
    total = len(arts) + len(BROKEN_NEWS)
    positions = sorted(rng.sample(range(1, total + 1), len(BROKEN_NEWS)))
    kinds = list(range(len(BROKEN_NEWS)))
    rng.shuffle(kinds)
    at = dict(zip(positions, kinds))
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(NEWS_COLUMNS)
    broken, it = [], iter(arts)
    last = None
    for rec_no in range(1, total + 1):
        aid = "art-%05d" % rec_no
        line_no = buf.getvalue().count("\n") + 1
        if rec_no in at:
            k = at[rec_no]
            region = rng.choice(REGIONS)
            lang = rng.weighted(LANGS, LANG_WEIGHTS)
            slots = Slots(rng, lang, region)
            _, head, body = news_neutral(rng, lang, slots)
            outlet = rng.choice([o for o in OUTLETS if o[2] == lang and region in o[3]])
            date = last["date"] if last else START
            row = [aid, head, body, lang, region, date.isoformat() + " 09:30:00", outlet[0],
                   fill(rng.choice(BYLINES[lang]), slots), str(outlet[4][0])]
            if k == 0:
                row = row[:8]
            elif k == 1:
                row = row + ["breaking"]
            elif k == 2:
                row[5] = "2026-09-31 07:45:00"
            else:
                row[5] = "last Tuesday morning"
            w.writerow(row)
            broken.append({"record": rec_no, "line": line_no, "article_id": aid,
                           "reason": BROKEN_NEWS[k][0], "detail": BROKEN_NEWS[k][1]})
        else:
            doc = next(it)
            doc["id"] = aid
            doc["line"] = line_no
            last = doc
            w.writerow([aid, doc["headline"], doc["body"], doc["lang"], doc["region"],
                        doc["published"], doc["outlet"], doc["byline"], str(doc["circulation"])])
    return buf.getvalue().encode("utf-8"), total, broken


def gzip_bytes(data):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return out.getvalue()


# --------------------------------------------------------------------------
# Telegram channels: no region field. Their documents are placed by tocsin's
# region assignment (pipelines/demo.toml [regions]): the national digests by
# the place names in their text (gazetteers/xa.csv), the Tarsa board by the
# source table (channels.csv). One language per channel, as the pipeline
# declares it. All neutral: they add volume, not hostility.
# --------------------------------------------------------------------------

DIGEST_NAMES = {"en": "Xandia Daily", "fr": "Le Fil de Xandia", "sw": "Habari Xandia"}
DIGEST_IDS = {"en": 2000000001, "fr": 2000000003, "sw": 2000000004}
DIGEST_PER_DAY = {"en": (1, 3), "fr": (0, 2), "sw": (0, 2)}
BOARD_NAME = "Tarsa Community Board"
CHANNEL_REGIONS = [(BOARD_NAME, "XA-NO")]

# Kinds of digest messages and where they should land:
#   one    a town of one region (once or twice)       -> that region, by text
#   admin  a region by its own name                    -> that region, by text
#   pair   two towns of the same region                -> that region, by text
#   none   no place                                    -> unknown
#   split  two towns of two regions, once each         -> unknown (ambiguous)
DIGEST = {
    "en": {
        "one": [
            "Water rationing starts in {town} on Monday: taps will run from 6 am to 10 am only, the county water board says.",
            "Market update from {town}: maize flour is cheaper this week, but sugar and cooking oil are still rising.",
            "The hospital in {town} opens a new maternity wing today with twenty beds and two ambulances.",
            "Power cut planned in {town} tomorrow between 9 am and 3 pm while engineers replace the old transformer.",
            "Schools in {town} will close early on Friday for the district music festival. Parents, please collect your children at noon.",
            "The bridge on the main road into {town} is open again after two weeks of repairs. Thank you for your patience, {town}!",
        ],
        "admin": [
            "Heavy rain is expected across the {region} this weekend. Farmers are advised to harvest early and keep drains clear.",
            "Vaccination days for children under five in the {region} continue until Friday at every health centre.",
        ],
        "pair": [
            "Bus fares between {town} and {town2} go up by ten xandi from Monday, the transport owners say.",
        ],
        "none": [
            "The central bank kept its main rate at 7 percent this week; the next decision is due in November.",
            "National exam timetables are now online. Good luck to all candidates sitting their papers next month!",
            "Reminder: the national census teams visit households from Monday. Please keep your identity card ready.",
        ],
        "split": [
            "The road from {town} to {other} is closed after a landslide; drivers should use the old highway until further notice.",
        ],
    },
    "fr": {
        "one": [
            "Rationnement de l'eau à {town} dès lundi : les robinets ne couleront que de 6 h à 10 h, annonce la régie des eaux.",
            "Marché de {town} : la farine de maïs baisse cette semaine, mais le sucre et l'huile continuent de grimper.",
            "L'hôpital de {town} ouvre aujourd'hui une nouvelle maternité de vingt lits et deux ambulances.",
            "Coupure de courant prévue à {town} demain entre 9 h et 15 h pour remplacer le vieux transformateur.",
        ],
        "admin": [
            "De fortes pluies sont attendues dans la {region} ce week-end ; les agriculteurs sont invités à récolter tôt.",
        ],
        "pair": [
            "Les tarifs de bus entre {town} et {town2} augmentent de dix xandis à partir de lundi, annoncent les transporteurs.",
        ],
        "none": [
            "La banque centrale a maintenu son taux directeur à 7 % cette semaine ; la prochaine décision est attendue en novembre.",
            "Rappel : les agents du recensement national passeront dans les foyers dès lundi. Gardez votre carte d'identité à portée de main.",
        ],
        "split": [
            "La route entre {town} et {other} est coupée après un glissement de terrain ; empruntez l'ancienne nationale jusqu'à nouvel ordre.",
        ],
    },
    "sw": {
        "one": [
            "Mgao wa maji unaanza {town} Jumatatu: mabomba yatatoa maji kuanzia saa kumi na mbili hadi saa nne asubuhi tu.",
            "Habari za soko la {town}: unga wa mahindi umeshuka bei wiki hii, lakini sukari na mafuta ya kupikia bado yanapanda.",
            "Hospitali ya {town} inafungua wodi mpya ya akina mama leo yenye vitanda ishirini na magari mawili ya wagonjwa.",
        ],
        "admin": [
            "Mvua kubwa inatarajiwa katika {region} mwishoni mwa wiki hii. Wakulima wanashauriwa kuvuna mapema.",
        ],
        "pair": [
            "Nauli za basi kati ya {town} na {town2} zinapanda kwa xandi kumi kuanzia Jumatatu, wamiliki wa magari wamesema.",
        ],
        "none": [
            "Benki kuu imeacha kiwango chake cha riba kwa asilimia saba wiki hii; uamuzi ujao unatarajiwa mwezi Novemba.",
            "Kumbukumbu: maafisa wa sensa ya taifa watatembelea kaya kuanzia Jumatatu. Tafadhali weka kitambulisho chako tayari.",
        ],
        "split": [
            "Barabara kati ya {town} na {other} imefungwa baada ya maporomoko ya udongo; madereva watumie barabara kuu ya zamani.",
        ],
    },
}
DIGEST_KINDS = ["one", "admin", "pair", "none", "split"]
DIGEST_KIND_WEIGHTS = [50, 10, 10, 20, 10]
BOARD = [

        "Lost and found: a blue school bag was handed in at the Tarsa chief's office this morning. Please come and collect it.",
        "Community clean-up this Saturday at the Tarsa bus park. Bring gloves, we bring the bags and the tea!",
        "Reminder: the Tarsa water committee meets on Thursday at 5 pm in the church hall. Everyone is welcome.",
        "From Monday the evening bus from Tarsa to {other} leaves at 7 pm, not at 6 pm. Please tell your neighbours.",
        "Congratulations to the Tarsa youth choir, who sang beautifully at the regional festival in {other} yesterday.",
]
REACTIONS = ["👍", "❤", "🙏", "👏"]


def digest_town(rng, region, lang):
    # The Swahili name of the capital is the country's name, which places nothing: not used here.
    towns = [t for t in towns_for(region, lang) if not (lang == "sw" and t == CAPITAL["sw"])]
    return rng.choice(towns)


def digest_message(rng, lang):
    """(text, intended region or None, method)"""
    kind = rng.weighted(DIGEST_KINDS, DIGEST_KIND_WEIGHTS)
    template = rng.choice(DIGEST[lang][kind])
    region = rng.choice(REGIONS)
    if kind == "none":
        return template, None, "unknown"
    if kind == "admin":
        return template.format(region=L[lang]["region"][region]), region, "text"
    town = digest_town(rng, region, lang)
    if kind == "one":
        return template.format(town=town), region, "text"
    if kind == "pair":
        town2 = rng.choice([t for t in towns_for(region, lang) if t != town and not (lang == "sw" and t == CAPITAL["sw"])])
        return template.format(town=town, town2=town2), region, "text"
    other_region = rng.choice([r for r in REGIONS if r != region])
    return template.format(town=town, other=digest_town(rng, other_region, lang)), None, "ambiguous"


def board_message(rng):
    """(text, whether Tarsa is the only place it names)"""
    template = rng.choice(BOARD)
    other = digest_town(rng, rng.choice([r for r in REGIONS if r != "XA-NO"]), "en")
    return template.format(other=other), "{other}" not in template


def telegram_entities(rng, text):
    """Telegram Desktop's `text` (a string, or parts with an entity) and `text_entities`."""
    head, sep, rest = text.partition(":")
    if sep and len(head) < 40 and rng.chance(0.4):
        return ["", {"type": "bold", "text": head + sep}, rest], [
            {"type": "bold", "text": head + sep}, {"type": "plain", "text": rest}]
    return text, [{"type": "plain", "text": text}]


def generate_telegram():
    """The channels' messages: {lang: digest messages}, board messages; each a dict with
    date, when, text, lang, region (None: unknown), method, channel, forwarded."""
    rng = Rng(SEED * 10 + 11)
    digests, board = {lang: [] for lang in LANGS}, []
    for date in dates():
        for _ in range(rng.randint(0, 2) if rng.chance(0.6) else 0):
            text, only_tarsa = board_message(rng)
            board.append({"date": date, "when": local_time(rng, date, HOUR_WEIGHTS[:14]), "text": text, "lang": "en",
                          "region": "XA-NO", "method": "source_table", "channel": BOARD_NAME, "forwarded": None,
                          "only_tarsa": only_tarsa})
        for lang in LANGS:
            for _ in range(rng.randint(*DIGEST_PER_DAY[lang])):
                text, region, method = digest_message(rng, lang)
                digests[lang].append({"date": date, "when": local_time(rng, date, HOUR_WEIGHTS[:14]), "text": text, "lang": lang,
                                      "region": region, "method": method, "channel": DIGEST_NAMES[lang], "forwarded": None})
    # Exact reposts: a digest posts some of its messages again later the same day, and
    # the English digest forwards some board posts that name Tarsa only (placed in
    # XA-NO by the text, a repost of the board's post there).
    for lang in LANGS:
        extra = []
        for m in digests[lang]:
            if rng.chance(0.06):
                later = m["when"] + dt.timedelta(hours=1 + rng.randint(0, 3))
                if later.date() == m["date"]:
                    extra.append(dict(m, when=later))
        if lang == "en":
            for m in board:
                if m["only_tarsa"] and rng.chance(0.12):
                    later = m["when"] + dt.timedelta(minutes=20 + rng.randint(0, 90))
                    if later.date() == m["date"]:
                        extra.append(dict(m, when=later, channel=DIGEST_NAMES["en"], method="text", forwarded=BOARD_NAME))
        digests[lang] = sorted(digests[lang] + extra, key=lambda m: m["when"])
    return digests, sorted(board, key=lambda m: m["when"])


def telegram_export(rng, name, channel_id, messages):
    out = [{"id": 1, "type": "service", "date": "2026-08-20T09:00:00", "date_unixtime": "1787205600",
            "actor": name, "actor_id": "channel%d" % channel_id, "action": "create_channel", "title": name,
            "text": "", "text_entities": []}]
    for i, m in enumerate(messages, start=2):
        text, entities = telegram_entities(rng, m["text"])
        msg = {"id": i, "type": "message", "date": m["when"].strftime("%Y-%m-%dT%H:%M:%S"),
               "date_unixtime": str(int(m["when"].timestamp())), "from": name, "from_id": "channel%d" % channel_id}
        if m["forwarded"]:
            msg["forwarded_from"] = m["forwarded"]
        msg["text"] = text
        msg["text_entities"] = entities
        if rng.chance(0.8):
            k = rng.randint(1, 3)
            msg["reactions"] = [{"type": "emoji", "count": rng.randint(1, 60), "emoji": e} for e in REACTIONS[:k]]
        m["id"] = "%s:%d" % (name, i)
        m["reach"] = sum(r["count"] for r in msg.get("reactions", []))
        out.append(msg)
    export = {"name": name, "type": "public_channel", "id": channel_id, "messages": out}
    return (json.dumps(export, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def telegram_docs(files):
    """The channels' messages as documents of the expected.json tables."""
    return [{"date": m["date"], "region": m["region"] or UNKNOWN, "lang": m["lang"], "channel": "telegram",
             "text": m["text"], "method": m["method"], "file": path} for path, _, _, msgs in files for m in msgs]


# --------------------------------------------------------------------------
# Self-check: read the files back the way a strict pipeline would
# --------------------------------------------------------------------------

def parse_rfc3339(s):
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError("no offset")
    return t


def check_posts(raw):
    ok, bad = [], []
    for i, line in enumerate(raw.split(b"\n")[:-1], start=1):
        try:
            rec = json.loads(line.decode("utf-8"))
            if not isinstance(rec, dict) or "text" not in rec:
                raise ValueError("missing text")
            ts = rec["timestamp"]
            if isinstance(ts, int):
                when = dt.datetime.fromtimestamp(ts / 1000.0, tz=dt.timezone.utc)
            else:
                when = parse_rfc3339(ts)
            ok.append((i, rec, when))
        except (ValueError, UnicodeDecodeError, KeyError):
            bad.append(i)
    return ok, bad


def check_news(raw):
    ok, bad = [], []
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == NEWS_COLUMNS
    for i, row in enumerate(rows[1:], start=1):
        try:
            if len(row) != len(NEWS_COLUMNS):
                raise ValueError("field count")
            p = row[5]
            if len(p) == 10:
                when = dt.datetime.strptime(p, "%Y-%m-%d")
            else:
                when = dt.datetime.strptime(p, "%Y-%m-%d %H:%M:%S")
            ok.append((i, row, when))
        except ValueError:
            bad.append(i)
    return ok, bad


# --------------------------------------------------------------------------
# expected.json
# --------------------------------------------------------------------------

def period_of(date):
    for name, a, b in PERIODS:
        if a <= date <= b:
            return name
    raise ValueError(date)


def matching_form(text):
    """What tocsin's plain matching view makes of these texts: compatibility
    decomposition, accents dropped, lower case, whitespace runs collapsed (a
    run holding a line break becomes one)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", lambda m: "\n" if "\n" in m.group(0) or "\r" in m.group(0) else " ", t)


def doc_text(d):
    if d["channel"] == "news":
        return "\n\n".join(p for p in (d["headline"], d["body"]) if p)
    return d["text"]


def build_expected(docs, posts_total, posts_broken, posts_raw, news_total, news_broken, news_raw, tdocs, telegram_files):
    day_list = dates()
    day_idx = {d: i for i, d in enumerate(day_list)}
    every = docs + tdocs
    all_regions = REGIONS + [UNKNOWN]

    def per_region_lang(selected):
        out = {}
        for region in all_regions:
            if region == UNKNOWN and not any(d["region"] == UNKNOWN for d in selected):
                continue
            row = {lang: 0 for lang in LANGS}
            for d in selected:
                if d["region"] == region:
                    row[d["lang"]] += 1
            row["total"] = sum(row[lang] for lang in LANGS)
            out[region] = row
        return out

    social = [d for d in docs if d["channel"] == "social"]
    news = [d for d in docs if d["channel"] == "news"]
    per_day = {r: [0] * DAYS for r in all_regions}
    unique_day = {r: [0] * DAYS for r in all_regions}
    hateful_day = {r: [0] * DAYS for r in REGIONS}
    texts = set()
    for d in every:
        per_day[d["region"]][day_idx[d["date"]]] += 1
        key = (d["date"], d["region"], d["lang"], matching_form(doc_text(d)))
        if key not in texts:
            texts.add(key)
            unique_day[d["region"]][day_idx[d["date"]]] += 1
    for d in docs:
        if d["label"]["kind"] == "hateful":
            hateful_day[d["region"]][day_idx[d["date"]]] += 1
    placed_by = {"field": len(docs), "source_table": 0, "location": 0, "text": 0, "ambiguous": 0, "unknown": 0}
    for d in tdocs:
        placed_by[d["method"]] += 1

    def reason_counts(broken):
        c = {}
        for b in broken:
            c[b["reason"]] = c.get(b["reason"], 0) + 1
        return c

    by_rp = {}
    for region in REGIONS:
        by_rp[region] = {}
        for name, a, b in PERIODS:
            sel = [d for d in docs if d["region"] == region and a <= d["date"] <= b]
            hat = [d for d in sel if d["label"]["kind"] == "hateful"]
            con = [d for d in sel if d["label"]["kind"] == "contrast"]
            cats = {c: sum(1 for d in hat if c in d["label"]["categories"]) for c in CATEGORIES}
            funcs = {f: sum(1 for d in con if d["label"]["functionality"] == f) for f in CONTRASTS}
            tg = {}
            for d in hat:
                for t in d["label"]["targets"]:
                    tg[t] = tg.get(t, 0) + 1
            tg = {k: tg[k] for k in sorted(tg)}
            by_rp[region][name] = {
                "days": (b - a).days + 1,
                "documents": len(sel),
                "social_documents": sum(1 for d in sel if d["channel"] == "social"),
                "news_documents": sum(1 for d in sel if d["channel"] == "news"),
                "hateful_documents": len(hat),
                "hateful_rate": round(len(hat) / float(len(sel)), 4) if sel else 0.0,
                "hateful_by_category": cats,
                "hateful_by_target": tg,
                "hateful_distinct_authors": len(set(d["author"] for d in hat if d["channel"] == "social")),
                "contrast_documents": funcs,
            }
    no = by_rp[ESC_REGION]
    base_rate = no["baseline"]["hateful_rate"]
    last_rate = no["escalation_week_3"]["hateful_rate"]
    others_base = [by_rp[r]["baseline"]["hateful_rate"] for r in REGIONS if r != ESC_REGION]

    return {
        "generator": "datasets/demo/generate.py",
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "country": {"code": "XA", "name": "Xandia", "fictional": True},
        "period": {"start": START.isoformat(), "end": day_list[-1].isoformat(), "days": DAYS,
                   "local_utc_offset": "+03:00",
                   "note": "every timestamped document lies between 06:00 and 23:59 local time "
                           "(03:00-20:59 UTC), so its UTC date equals its local date; date-only "
                           "`published` values mean that local calendar day"},
        "regions": REGIONS,
        "languages": LANGS,
        "files": {
            OUTPUT_POSTS: {
                "format": "jsonl", "compression": "gzip",
                "records": posts_total,
                "valid": posts_total - len(posts_broken),
                "broken": len(posts_broken),
                "broken_by_reason": reason_counts(posts_broken),
                "broken_records": posts_broken,
                "sha256_uncompressed": hashlib.sha256(posts_raw).hexdigest(),
            },
            OUTPUT_NEWS: {
                "format": "csv", "header": NEWS_COLUMNS,
                "records": news_total,
                "valid": news_total - len(news_broken),
                "broken": len(news_broken),
                "broken_by_reason": reason_counts(news_broken),
                "broken_records": news_broken,
                "sha256": hashlib.sha256(news_raw).hexdigest(),
            },
            **telegram_files,
        },
        "totals": {
            "records": posts_total + news_total + len(tdocs),
            "valid_documents": len(every),
            "broken": len(posts_broken) + len(news_broken),
            "unique_documents": len(texts),
            "distinct_authors": len(set(d["author"] for d in social)),
        },
        "regions_placed_by": placed_by,
        "documents_per_region_per_language": per_region_lang(every),
        "documents_per_region_per_language_by_file": dict(
            [(OUTPUT_POSTS, per_region_lang(social)), (OUTPUT_NEWS, per_region_lang(news))]
            + [(f, per_region_lang([d for d in tdocs if d["file"] == f])) for f in telegram_files]),
        "documents_per_region_per_day": dict(
            [("dates", [d.isoformat() for d in day_list])] + [(r, per_day[r]) for r in all_regions]),
        "unique_documents_per_region_per_day": dict(
            [("dates", [d.isoformat() for d in day_list])] + [(r, unique_day[r]) for r in all_regions]),
        "escalation": {
            "region": ESC_REGION,
            "start": ESC_START.isoformat(),
            "end": day_list[-1].isoformat(),
            "days": (day_list[-1] - ESC_START).days + 1,
            "main_target": OR,
            "also_targeted": VE + " (moderates, as traitors/collaborators)",
            "phases": [
                {"category": cat, "rises_from": (ESC_START + dt.timedelta(days=s[1])).isoformat(),
                 "full_from": (ESC_START + dt.timedelta(days=s[2])).isoformat(),
                 "peak_added_rate_social": s[0]}
                for cat, s in ESC_SOCIAL_HATEFUL.items()],
            "baseline_hateful_rate": base_rate,
            "last_week_hateful_rate": last_rate,
            "last_week_over_baseline": round(last_rate / base_rate, 1) if base_rate else None,
            "other_regions_escalate": False,
            "other_regions_baseline_hateful_rate": others_base,
            "note": "XA-EA grows in volume (15 -> 40 documents a day) at a constant rate: "
                    "more flagged documents, no escalation",
        },
        "ground_truth": {
            "note": "intended labels of the valid social posts and news articles (the Telegram channels "
                    "are all neutral and not included here). hateful = the text itself "
                    "dehumanises, derogates, excludes, calls to violence or arms, attacks "
                    "moderates as traitors or accuses a group in a mirror; contrast = non-hateful "
                    "uses of the same words (negation, counter-speech, reported speech, "
                    "insects and rodents). A document can carry several categories.",
            "periods": {name: [a.isoformat(), b.isoformat()] for name, a, b in PERIODS},
            "by_region_and_period": by_rp,
            "hateful_documents_per_region_per_day": dict(
                [("dates", [d.isoformat() for d in day_list])] + [(r, hateful_day[r]) for r in REGIONS]),
        },
    }


# --------------------------------------------------------------------------

def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=here, help="output directory (default: next to this script)")
    ap.add_argument("--labels", help="also write per-document ground truth (JSON lines) to this path")
    args = ap.parse_args(argv)

    docs = generate_documents()
    posts_raw, posts_total, posts_broken = write_posts(docs, Rng(SEED * 10 + 7))
    news_raw, news_total, news_broken = write_news(docs, Rng(SEED * 10 + 8))

    # self-check against a strict reader
    ok, bad = check_posts(posts_raw)
    assert bad == [b["line"] for b in posts_broken], (bad, posts_broken)
    assert len(ok) == sum(1 for d in docs if d["channel"] == "social")
    for _, rec, when in ok:
        assert when.astimezone(LOCAL_TZ).date() == when.astimezone(dt.timezone.utc).date()
    ok, bad = check_news(news_raw)
    assert bad == [b["record"] for b in news_broken], (bad, news_broken)
    assert len(ok) == sum(1 for d in docs if d["channel"] == "news")
    ids = [d["id"] for d in docs]
    assert len(set(ids)) == len(ids)

    digests, board = generate_telegram()
    rng_tg = Rng(SEED * 10 + 12)
    tfiles = [(TELEGRAM_DIGESTS[lang], DIGEST_NAMES[lang], telegram_export(rng_tg, DIGEST_NAMES[lang], DIGEST_IDS[lang], digests[lang]),
               digests[lang]) for lang in LANGS]
    tfiles.append((TELEGRAM_BOARD, BOARD_NAME, telegram_export(rng_tg, BOARD_NAME, 2000000002, board), board))
    tdocs = telegram_docs(tfiles)
    telegram_files = {}
    for path, name, raw, msgs in tfiles:
        placed = {}
        for m in msgs:
            placed[m["method"]] = placed.get(m["method"], 0) + 1
        telegram_files[path] = {
            "format": "telegram", "channel": name, "lang": msgs[0]["lang"], "service_messages": 1,
            "records": len(msgs), "valid": len(msgs), "broken": 0, "broken_by_reason": {}, "broken_records": [],
            "placed_by": {k: placed[k] for k in sorted(placed)},
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
    channels_raw = ("source,region\n" + "".join("%s,%s\n" % c for c in CHANNEL_REGIONS)).encode("utf-8")

    expected = build_expected(docs, posts_total, posts_broken, posts_raw,
                              news_total, news_broken, news_raw, tdocs, telegram_files)

    os.makedirs(os.path.join(args.out, "social"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "news"), exist_ok=True)
    with open(os.path.join(args.out, OUTPUT_POSTS), "wb") as f:
        f.write(gzip_bytes(posts_raw))
    with open(os.path.join(args.out, OUTPUT_NEWS), "wb") as f:
        f.write(news_raw)
    for path, raw in [(path, raw) for path, _, raw, _ in tfiles] + [(OUTPUT_CHANNELS, channels_raw)]:
        os.makedirs(os.path.dirname(os.path.join(args.out, path)), exist_ok=True)
        with open(os.path.join(args.out, path), "wb") as f:
            f.write(raw)
    with open(os.path.join(args.out, OUTPUT_EXPECTED), "wb") as f:
        f.write((json.dumps(expected, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

    if args.labels:
        with open(args.labels, "wb") as f:
            for d in sorted(docs, key=lambda d: (d["channel"], d["id"])):
                lab = d["label"]
                f.write((dumps({
                    "id": d["id"], "file": OUTPUT_POSTS if d["channel"] == "social" else OUTPUT_NEWS,
                    "line": d["line"], "region": d["region"], "date": d["date"].isoformat(),
                    "lang": d["lang"], "kind": lab["kind"], "phase": lab["phase"],
                    "categories": lab["categories"], "targets": lab["targets"],
                    "functionality": lab.get("functionality"),
                }) + "\n").encode("utf-8"))

    e = expected
    sys.stderr.write(
        "posts: %d records (%d broken), articles: %d records (%d broken), "
        "valid documents: %d, authors: %d\n" % (
            posts_total, len(posts_broken), news_total, len(news_broken),
            e["totals"]["valid_documents"], e["totals"]["distinct_authors"]))
    sys.stderr.write("XA-NO hateful rate: baseline %.4f, last week %.4f (x%s)\n" % (
        e["escalation"]["baseline_hateful_rate"], e["escalation"]["last_week_hateful_rate"],
        e["escalation"]["last_week_over_baseline"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
