"""Questions shoppers ask that the demo FAQ does not answer, for ``faqbot demo history``.

Each topic is a gap in Kaira Outdoor's FAQ (data/faq/), or (``near``) a way of asking an
existing entry that its phrasings miss; the insights page should find each as a cluster.
"""

from __future__ import annotations

GAPS: dict[str, dict[str, list[str]]] = {
    "gift_wrapping": {
        "fi": [
            "voiko tilauksen saada lahjapaketissa",
            "onko teillä lahjapaketointia",
            "saako lahjan paketoituna",
            "voitteko paketoida tuotteen lahjaksi",
        ],
        "sv": [
            "kan ni slå in paketet som present",
            "erbjuder ni presentinslagning",
            "går det att få varan inslagen",
        ],
        "en": [
            "do you offer gift wrapping",
            "can you gift wrap my order",
            "is gift wrap available",
        ],
    },
    "rental": {
        "fi": [
            "voiko teiltä vuokrata sukset",
            "vuokraatteko telttoja",
            "saako kajakin vuokralle",
            "onko teillä vuokraamoa",
        ],
        "sv": ["kan man hyra skidor hos er", "hyr ni ut tält", "går det att hyra en kajak"],
        "en": ["can I rent skis from you", "do you rent tents", "is there equipment rental"],
    },
    "ski_service": {
        "fi": [
            "teettekö suksihuoltoa",
            "voiko sukset tuoda voideltavaksi",
            "paljonko suksien huolto maksaa",
        ],
        "sv": ["gör ni skidservice", "kan jag lämna in skidorna för vallning"],
        "en": ["do you service skis", "can you wax my skis", "how much is a ski service"],
    },
    "product_care": {
        "fi": [
            "miten untuvatakki pestään",
            "voiko goretex takin pestä pesukoneessa",
            "miten kuoritakin saa taas hylkimään vettä",
        ],
        "sv": ["hur tvättar man en dunjacka", "kan man tvätta goretex i maskin"],
        "en": ["how do I wash a down jacket", "can I machine wash gore-tex"],
    },
    "used_gear": {
        "fi": [
            "ostatteko käytettyjä varusteita",
            "voiko vanhat kengät tuoda kierrätykseen",
            "onko teillä käytettyjen tuotteiden myyntiä",
        ],
        "sv": ["köper ni begagnad utrustning", "kan jag lämna gamla skor till återvinning"],
        "en": ["do you buy used gear", "can I bring old shoes for recycling"],
    },
    "christmas_delivery": {
        "fi": [
            "ehtiikö paketti jouluksi",
            "mihin mennessä pitää tilata että ehtii jouluksi",
            "tuleeko tilaus ennen joulua",
        ],
        "sv": ["hinner paketet fram till jul", "när måste jag beställa för att få det före jul"],
        "en": ["will my order arrive before christmas", "last order date for christmas delivery"],
    },
}

# seasonal: asked mostly from mid-November on
SEASONAL = ("christmas_delivery",)

# the entry the bot answers such a question with, wrongly (then the shopper says "not really")
NEAR = {
    "gift_wrapping": "gift_card_buy",
    "rental": "reserve_in_store",
    "ski_service": "warranty_claim",
    "product_care": "warranty_claim",
    "used_gear": "return_how",
    "christmas_delivery": "delivery_time",
}


# Questions in the shoppers' own words that got buttons, and the entry the shopper picked:
# ``faqbot picks`` and the insights page offer them to the editors as phrasings.
PICKED: dict[str, dict[str, str]] = {
    "fi": {
        "delivery_time": "koska mun paketti on perillä jos tilaan tänään",
        "return_how": "miten saan lähetettyä liian pienet kengät takaisin",
        "pay_later": "voiko ostokset maksaa pienissä erissä",
    },
    "sv": {
        "delivery_time": "hur snart kommer grejerna om jag beställer nu",
        "return_how": "hur skickar jag tillbaka skor som inte passar",
        "order_tracking": "vart tar mitt paket vägen, kan jag följa det",
    },
    "en": {
        "delivery_time": "how soon will my stuff arrive if i order today",
        "return_how": "how do i send back boots that dont fit",
        "order_tracking": "where can i follow my parcel",
    },
}
