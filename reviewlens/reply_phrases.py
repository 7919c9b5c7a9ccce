"""The phrasebooks of reply drafts (reviewlens.replies), one per language a draft can be written in.

Each phrasebook holds every sentence a draft may say: the greeting, the thanks for a happy, mixed or
unhappy review, one sentence per taxonomy topic the review is unhappy about (the presets' topics:
products, restaurants, apps, hotels; each an apology or "we passed it on", never thanks for a complaint),
the apology and direct contact line for a serious complaint (health, safety, the law), the way to reach
you and the sign-off. A review is answered in its own
language when there is a phrasebook for it (`[replies] language = "auto"`), else in English.

Thanking the staff a review praises names them ("We will pass your kind words on to Marco."): the name is
the one thing of the review's own text a draft may hold, checked to look like a person's name (reviewlens.replies).
The sentences were written by the team, formal where the language has a formal "you" (Sie, vous,
usted, Lei, u); Portuguese is Brazil's. They say what the English ones say and no more: sorry, thank
you, we passed it on, get in touch. None promises a refund or a fix. A phrase of your own for any
language: `[replies.localized_phrases.de] delivery = "..."` in reviewlens.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Phrasebook:
    language: str                 # ISO 639-1
    hello: str                    # the greeting without a name
    hello_name: str               # with {name}
    thanks_positive: str
    thanks_mixed: str
    thanks_negative: str
    liked: str                    # may hold {what}: the topics liked (named in English, so English only)
    generic_negative: str         # a topic without a phrase; may hold {label}, the topic's (English) name
    contact: str                  # with {contact}: the user's `[replies] contact`
    contact_support: str          # no contact given: "us", never "our support team" (a restaurant has none)
    see_you: str
    regards: str
    team: str                     # the signature when the user set none
    negative: Mapping[str, str] = field(default_factory=dict)  # topic -> what the draft says about it
    staff_thanks: str = "We will pass your kind words on to {names}."  # the people the review speaks well of
    and_word: str = "and"         # joins the last two of {names}
    # a serious complaint (health, safety, the law: "bedbugs", "food poisoning", "my lawyer"): an apology
    # instead of the thanks, and a direct way to reach you instead of the ordinary contact line
    serious: str = "We are very sorry to read this, and we take what you describe very seriously."
    contact_urgent: str = "Please contact us directly at {contact} so we can look into this with you."
    contact_urgent_support: str = "Please contact us directly so we can look into this with you."
    # the name a topic has after "We're glad you liked the ..." where its label does not read well there
    # ("check in"); English only, like {what}
    liked_names: Mapping[str, str] = field(default_factory=dict)
    # the closing line of an app's draft (the "apps" topics preset), where `see_you` has nowhere to see anyone
    enjoy_app: str = "We hope you keep enjoying the app."


ENGLISH = Phrasebook(
    "en", "Hello,", "Hi {name},", "Thank you for your kind review!",
    "Thank you for taking the time to share your experience.",
    "Thank you for telling us about your experience, and we're sorry it fell short.",
    "We're glad you liked {what}.", "We're sorry about the {label}; we have shared your feedback with the team.",
    "Please get in touch with us at {contact} so we can look into it.",
    "Please get in touch with us so we can look into it.",
    "We hope to see you again soon.", "Best regards,", "The team",
    {
        "quality": "We're sorry the product did not hold up the way it should.",
        "delivery": "We're sorry your order took longer to reach you than it should have.",
        "price": "We hear you on the price, and we have passed your view on to the team.",
        "customer_service": "We're sorry our support did not help you as it should have.",
        "support": "We're sorry our support did not help you as it should have.",
        "usability": "We're sorry it was harder to use than it should be.",
        "performance": "We're sorry it did not perform as you expected.",
        "size_fit": "We're sorry the size was not right for you.",
        "packaging": "We're sorry about the state of the packaging.",
        "returns": "We're sorry the return or refund was not as simple as it should be.",
        "food": "We're sorry the food did not live up to what you expected.",
        "drinks": "We're sorry the drinks did not live up to what you expected.",
        "service": "We're sorry the service fell short during your visit.",
        "ambience": "We're sorry the atmosphere did not suit your visit.",
        "cleanliness": "We're sorry about the cleanliness; we take it seriously.",
        "location": "We're sorry getting to us was difficult.",
        "wait_time": "We're sorry you had to wait so long.",
        "booking": "We're sorry about the trouble with your booking.",
        "takeaway": "We're sorry your takeaway order did not arrive as it should have.",
        "bugs": "We're sorry the app let you down with errors.",
        "feature_requests": "Thank you for the suggestion; we have shared it with the product team.",
        "account": "We're sorry about the trouble with your account.",
        "pricing": "We hear you on the pricing, and we have passed your view on to the team.",
        "ads": "Thank you for the feedback on ads; we have shared it with the team.",
        # hotels (the "hotels" preset's own topics)
        "room": "We're sorry your room was not up to the standard you expected.",
        "noise": "We're sorry the noise disturbed your stay.",
        "check_in": "We're sorry your check-in or check-out did not go smoothly.",
        "breakfast": "We're sorry breakfast did not live up to what you expected.",
        "wifi": "We're sorry the Wi-Fi or other amenities let you down.",
    },
    liked_names={"check_in": "check-in", "wifi": "amenities", "booking": "booking process", "usability": "ease of use",
                 "customer_service": "service"})

GERMAN = Phrasebook(
    "de", "Hallo,", "Hallo {name},", "Vielen Dank für Ihre freundliche Bewertung!",
    "Vielen Dank, dass Sie sich die Zeit genommen haben, Ihre Erfahrung zu teilen.",
    "Vielen Dank für Ihre Rückmeldung, und es tut uns leid, dass wir Ihre Erwartungen nicht erfüllt haben.",
    "Es freut uns, dass es Ihnen gefallen hat.",
    "Wir haben Ihre Hinweise an das Team weitergegeben.",
    "Bitte melden Sie sich bei uns unter {contact}, damit wir uns darum kümmern können.",
    "Bitte melden Sie sich bei uns, damit wir uns darum kümmern können.",
    "Wir freuen uns, Sie bald wieder begrüßen zu dürfen.", "Viele Grüße,", "Ihr Team",
    {
        "quality": "Es tut uns leid, dass das Produkt nicht so gehalten hat, wie es sollte.",
        "delivery": "Es tut uns leid, dass Ihre Bestellung länger zu Ihnen gebraucht hat, als sie sollte.",
        "price": "Wir verstehen Ihre Meinung zum Preis und haben sie an das Team weitergegeben.",
        "customer_service": "Es tut uns leid, dass unser Kundenservice Ihnen nicht so geholfen hat, wie er sollte.",
        "support": "Es tut uns leid, dass unser Support Ihnen nicht so geholfen hat, wie er sollte.",
        "usability": "Es tut uns leid, dass die Bedienung schwieriger war, als sie sein sollte.",
        "performance": "Es tut uns leid, dass die Leistung nicht Ihren Erwartungen entsprach.",
        "size_fit": "Es tut uns leid, dass die Größe nicht gepasst hat.",
        "packaging": "Es tut uns leid, dass die Verpackung in diesem Zustand war.",
        "returns": "Es tut uns leid, dass die Rücksendung oder Erstattung nicht so einfach war, wie sie sein sollte.",
        "food": "Es tut uns leid, dass das Essen nicht Ihren Erwartungen entsprach.",
        "drinks": "Es tut uns leid, dass die Getränke nicht Ihren Erwartungen entsprachen.",
        "service": "Es tut uns leid, dass der Service bei Ihrem Besuch nicht gut genug war.",
        "ambience": "Es tut uns leid, dass Ihnen die Atmosphäre bei Ihrem Besuch nicht zugesagt hat.",
        "cleanliness": "Es tut uns leid, dass die Sauberkeit zu wünschen übrig ließ; wir nehmen das ernst.",
        "location": "Es tut uns leid, dass der Weg zu uns so schwierig war.",
        "wait_time": "Es tut uns leid, dass Sie so lange warten mussten.",
        "booking": "Es tut uns leid, dass es Probleme mit Ihrer Buchung gab.",
        "takeaway": "Es tut uns leid, dass Ihre Bestellung zum Mitnehmen nicht so angekommen ist, wie sie sollte.",
        "bugs": "Es tut uns leid, dass die App Sie mit Fehlern im Stich gelassen hat.",
        "feature_requests": "Vielen Dank für Ihren Vorschlag; wir haben ihn an das Produktteam weitergegeben.",
        "account": "Es tut uns leid, dass es Probleme mit Ihrem Konto gab.",
        "pricing": "Wir verstehen Ihre Meinung zu den Preisen und haben sie an das Team weitergegeben.",
        "ads": "Vielen Dank für Ihre Rückmeldung zur Werbung; wir haben sie an das Team weitergegeben.",
        # hotels (the "hotels" preset's own topics)
        "room": "Es tut uns leid, dass Ihr Zimmer nicht Ihren Erwartungen entsprach.",
        "noise": "Es tut uns leid, dass Lärm Ihren Aufenthalt gestört hat.",
        "check_in": "Es tut uns leid, dass der Check-in oder Check-out nicht reibungslos verlief.",
        "breakfast": "Es tut uns leid, dass das Frühstück nicht Ihren Erwartungen entsprach.",
        "wifi": "Es tut uns leid, dass das WLAN oder andere Einrichtungen Sie im Stich gelassen haben.",
    },
    staff_thanks="Wir geben Ihr Lob gern an {names} weiter.", and_word="und",
    serious="Es tut uns sehr leid, das zu lesen, und wir nehmen Ihre Schilderung sehr ernst.",
    contact_urgent="Bitte wenden Sie sich direkt an uns unter {contact}, damit wir das gemeinsam mit Ihnen klären "
                   "können.",
    contact_urgent_support="Bitte wenden Sie sich direkt an uns, damit wir das gemeinsam mit Ihnen klären können.",
    enjoy_app="Wir wünschen Ihnen weiterhin viel Freude mit der App.")

FRENCH = Phrasebook(
    "fr", "Bonjour,", "Bonjour {name},", "Merci beaucoup pour votre avis !",
    "Merci d'avoir pris le temps de partager votre expérience.",
    "Merci de nous avoir fait part de votre expérience, et nous sommes désolés qu'elle n'ait pas été à la hauteur.",
    "Nous sommes ravis que cela vous ait plu.",
    "Nous avons transmis vos remarques à l'équipe.",
    "N'hésitez pas à nous contacter à {contact} afin que nous puissions examiner la situation.",
    "N'hésitez pas à nous contacter afin que nous puissions examiner la situation.",
    "Au plaisir de vous revoir bientôt.", "Cordialement,", "L'équipe",
    {
        "quality": "Nous sommes désolés que le produit n'ait pas tenu comme il aurait dû.",
        "delivery": "Nous sommes désolés que votre commande ait mis plus de temps que prévu à vous parvenir.",
        "price": "Nous entendons votre remarque sur le prix et l'avons transmise à l'équipe.",
        "customer_service": "Nous sommes désolés que notre service client ne vous ait pas aidé comme il aurait dû.",
        "support": "Nous sommes désolés que notre support ne vous ait pas aidé comme il aurait dû.",
        "usability": "Nous sommes désolés que son utilisation ait été plus compliquée qu'elle ne devrait l'être.",
        "performance": "Nous sommes désolés que ses performances n'aient pas été à la hauteur de vos attentes.",
        "size_fit": "Nous sommes désolés que la taille ne vous ait pas convenu.",
        "packaging": "Nous sommes désolés de l'état de l'emballage.",
        "returns": "Nous sommes désolés que le retour ou le remboursement n'ait pas été aussi simple qu'il aurait dû "
                   "l'être.",
        "food": "Nous sommes désolés que les plats n'aient pas été à la hauteur de vos attentes.",
        "drinks": "Nous sommes désolés que les boissons n'aient pas été à la hauteur de vos attentes.",
        "service": "Nous sommes désolés que le service n'ait pas été à la hauteur lors de votre visite.",
        "ambience": "Nous sommes désolés que l'ambiance ne vous ait pas convenu lors de votre visite.",
        "cleanliness": "Nous sommes désolés pour le manque de propreté ; nous prenons cela très au sérieux.",
        "location": "Nous sommes désolés que vous ayez eu du mal à venir jusqu'à nous.",
        "wait_time": "Nous sommes désolés que vous ayez dû attendre si longtemps.",
        "booking": "Nous sommes désolés pour le problème rencontré avec votre réservation.",
        "takeaway": "Nous sommes désolés que votre commande à emporter ne soit pas arrivée comme elle aurait dû.",
        "bugs": "Nous sommes désolés que l'application vous ait fait défaut à cause d'erreurs.",
        "feature_requests": "Merci pour votre suggestion ; nous l'avons transmise à l'équipe produit.",
        "account": "Nous sommes désolés pour le problème rencontré avec votre compte.",
        "pricing": "Nous entendons votre remarque sur les tarifs et l'avons transmise à l'équipe.",
        "ads": "Merci pour votre remarque sur les publicités ; nous l'avons transmise à l'équipe.",
        # hotels (the "hotels" preset's own topics)
        "room": "Nous sommes désolés que votre chambre n'ait pas été à la hauteur de vos attentes.",
        "noise": "Nous sommes désolés que le bruit ait perturbé votre séjour.",
        "check_in": "Nous sommes désolés que votre arrivée ou votre départ ne se soit pas déroulé sans encombre.",
        "breakfast": "Nous sommes désolés que le petit-déjeuner n'ait pas été à la hauteur de vos attentes.",
        "wifi": "Nous sommes désolés que le Wi-Fi ou nos autres équipements vous aient fait défaut.",
    },
    staff_thanks="Nous transmettrons volontiers vos compliments à {names}.", and_word="et",
    serious="Nous sommes vraiment désolés de lire cela, et nous prenons ce que vous décrivez très au sérieux.",
    contact_urgent="Merci de nous contacter directement à {contact} afin que nous puissions examiner cela avec vous.",
    contact_urgent_support="Merci de nous contacter directement afin que nous puissions examiner cela avec vous.",
    enjoy_app="Nous vous souhaitons une excellente utilisation de l'application.")

SPANISH = Phrasebook(
    "es", "Hola,", "Hola, {name}:", "¡Muchas gracias por su amable reseña!",
    "Gracias por tomarse el tiempo de compartir su experiencia.",
    "Gracias por contarnos su experiencia, y lamentamos que no haya estado a la altura.",
    "Nos alegra mucho que le haya gustado.",
    "Hemos trasladado sus comentarios al equipo.",
    "Por favor, póngase en contacto con nosotros en {contact} para que podamos revisarlo.",
    "Por favor, póngase en contacto con nosotros para que podamos revisarlo.",
    "Esperamos volver a verle pronto.", "Saludos cordiales,", "El equipo",
    {
        "quality": "Lamentamos que el producto no haya durado como debería.",
        "delivery": "Lamentamos que su pedido haya tardado más de lo debido en llegar.",
        "price": "Entendemos su opinión sobre el precio y la hemos trasladado al equipo.",
        "customer_service": "Lamentamos que nuestro servicio de atención al cliente no le haya ayudado como debería.",
        "support": "Lamentamos que nuestro soporte no le haya ayudado como debería.",
        "usability": "Lamentamos que haya sido más difícil de usar de lo que debería.",
        "performance": "Lamentamos que el rendimiento no haya estado a la altura de sus expectativas.",
        "size_fit": "Lamentamos que la talla no fuera la adecuada para usted.",
        "packaging": "Lamentamos el estado en que llegó el embalaje.",
        "returns": "Lamentamos que la devolución o el reembolso no haya sido tan sencillo como debería.",
        "food": "Lamentamos que la comida no estuviera a la altura de sus expectativas.",
        "drinks": "Lamentamos que las bebidas no estuvieran a la altura de sus expectativas.",
        "service": "Lamentamos que el servicio no estuviera a la altura durante su visita.",
        "ambience": "Lamentamos que el ambiente no fuera de su agrado durante su visita.",
        "cleanliness": "Lamentamos los problemas de limpieza; nos lo tomamos muy en serio.",
        "location": "Lamentamos que le resultara difícil llegar hasta nosotros.",
        "wait_time": "Lamentamos que tuviera que esperar tanto.",
        "booking": "Lamentamos los problemas con su reserva.",
        "takeaway": "Lamentamos que su pedido para llevar no llegara como debía.",
        "bugs": "Lamentamos que la aplicación le haya fallado con errores.",
        "feature_requests": "Gracias por su sugerencia; la hemos compartido con el equipo de producto.",
        "account": "Lamentamos los problemas con su cuenta.",
        "pricing": "Entendemos su opinión sobre los precios y la hemos trasladado al equipo.",
        "ads": "Gracias por su comentario sobre los anuncios; lo hemos compartido con el equipo.",
        # hotels (the "hotels" preset's own topics)
        "room": "Lamentamos que su habitación no estuviera a la altura de sus expectativas.",
        "noise": "Lamentamos que el ruido afectara a su estancia.",
        "check_in": "Lamentamos que la entrada o la salida no fueran tan fluidas como deberían.",
        "breakfast": "Lamentamos que el desayuno no estuviera a la altura de sus expectativas.",
        "wifi": "Lamentamos que el wifi u otros servicios del hotel le fallaran.",
    },
    staff_thanks="Con gusto transmitiremos sus amables palabras a {names}.", and_word="y",
    serious="Lamentamos mucho leer esto y nos tomamos muy en serio lo que describe.",
    contact_urgent="Le rogamos que se ponga en contacto directamente con nosotros en {contact} para que podamos "
                   "revisarlo con usted.",
    contact_urgent_support="Le rogamos que se ponga en contacto directamente con nosotros para que podamos revisarlo "
                           "con usted.",
    enjoy_app="Esperamos que siga disfrutando de la aplicación.")

ITALIAN = Phrasebook(
    "it", "Gentile cliente,", "Gentile {name},", "Grazie mille per la Sua gentile recensione!",
    "Grazie per aver dedicato del tempo a condividere la Sua esperienza.",
    "Grazie per averci raccontato la Sua esperienza, e ci dispiace che non sia stata all'altezza.",
    "Siamo felici che Le sia piaciuto.",
    "Abbiamo condiviso le Sue osservazioni con il team.",
    "La invitiamo a contattarci tramite {contact} così potremo approfondire.",
    "La invitiamo a contattarci così potremo approfondire.",
    "Speriamo di rivederLa presto.", "Cordiali saluti,", "Il team",
    {
        "quality": "Ci dispiace che il prodotto non abbia retto come avrebbe dovuto.",
        "delivery": "Ci dispiace che il Suo ordine abbia impiegato più tempo del dovuto ad arrivare.",
        "price": "Comprendiamo il Suo punto di vista sul prezzo e lo abbiamo condiviso con il team.",
        "customer_service": "Ci dispiace che il nostro servizio clienti non Le sia stato d'aiuto come avrebbe dovuto.",
        "support": "Ci dispiace che il nostro supporto non Le sia stato d'aiuto come avrebbe dovuto.",
        "usability": "Ci dispiace che l'utilizzo sia stato più complicato del dovuto.",
        "performance": "Ci dispiace che le prestazioni non siano state all'altezza delle Sue aspettative.",
        "size_fit": "Ci dispiace che la taglia non fosse quella giusta per Lei.",
        "packaging": "Ci dispiace per le condizioni dell'imballaggio.",
        "returns": "Ci dispiace che il reso o il rimborso non sia stato semplice come avrebbe dovuto.",
        "food": "Ci dispiace che i piatti non siano stati all'altezza delle Sue aspettative.",
        "drinks": "Ci dispiace che le bevande non siano state all'altezza delle Sue aspettative.",
        "service": "Ci dispiace che il servizio non sia stato all'altezza durante la Sua visita.",
        "ambience": "Ci dispiace che l'atmosfera non sia stata di Suo gradimento durante la visita.",
        "cleanliness": "Ci dispiace per la pulizia; è un aspetto che prendiamo molto sul serio.",
        "location": "Ci dispiace che raggiungerci sia stato difficile.",
        "wait_time": "Ci dispiace che abbia dovuto attendere così a lungo.",
        "booking": "Ci dispiace per i problemi con la Sua prenotazione.",
        "takeaway": "Ci dispiace che il Suo ordine da asporto non sia arrivato come avrebbe dovuto.",
        "bugs": "Ci dispiace per gli errori che ha riscontrato nell'app.",
        "feature_requests": "Grazie per il suggerimento; lo abbiamo condiviso con il team di prodotto.",
        "account": "Ci dispiace per i problemi con il Suo account.",
        "pricing": "Comprendiamo il Suo punto di vista sui prezzi e lo abbiamo condiviso con il team.",
        "ads": "Grazie per il riscontro sulla pubblicità; lo abbiamo condiviso con il team.",
        # hotels (the "hotels" preset's own topics)
        "room": "Ci dispiace che la Sua camera non sia stata all'altezza delle Sue aspettative.",
        "noise": "Ci dispiace che il rumore abbia disturbato il Suo soggiorno.",
        "check_in": "Ci dispiace che il check-in o il check-out non si siano svolti senza intoppi.",
        "breakfast": "Ci dispiace che la colazione non sia stata all'altezza delle Sue aspettative.",
        "wifi": "Ci dispiace che il Wi-Fi o gli altri servizi non abbiano funzionato come avrebbero dovuto.",
    },
    staff_thanks="Riferiremo volentieri le Sue parole gentili a {names}.", and_word="e",
    serious="Ci dispiace molto leggere questo, e prendiamo molto sul serio quanto descrive.",
    contact_urgent="La preghiamo di contattarci direttamente tramite {contact} così potremo esaminare la questione "
                   "con Lei.",
    contact_urgent_support="La preghiamo di contattarci direttamente così potremo esaminare la questione con Lei.",
    enjoy_app="Le auguriamo di continuare a usare l'app con piacere.")

DUTCH = Phrasebook(
    "nl", "Hallo,", "Beste {name},", "Hartelijk dank voor uw mooie review!",
    "Bedankt dat u de tijd heeft genomen om uw ervaring te delen.",
    "Bedankt dat u uw ervaring met ons deelt, en het spijt ons dat die tegenviel.",
    "Fijn om te horen dat het u bevallen is.",
    "We hebben uw opmerkingen doorgegeven aan het team.",
    "Neem gerust contact met ons op via {contact}, zodat we ernaar kunnen kijken.",
    "Neem gerust contact met ons op, zodat we ernaar kunnen kijken.",
    "We hopen u snel weer te zien.", "Met vriendelijke groet,", "Het team",
    {
        "quality": "Het spijt ons dat het product niet zo lang meeging als het zou moeten.",
        "delivery": "Het spijt ons dat uw bestelling er langer over deed dan had gemoeten.",
        "price": "We begrijpen uw punt over de prijs en hebben het doorgegeven aan het team.",
        "customer_service": "Het spijt ons dat onze klantenservice u niet goed heeft geholpen.",
        "support": "Het spijt ons dat onze support u niet goed heeft geholpen.",
        "usability": "Het spijt ons dat het lastiger in gebruik was dan het zou moeten zijn.",
        "performance": "Het spijt ons dat de prestaties niet aan uw verwachtingen voldeden.",
        "size_fit": "Het spijt ons dat de maat niet goed voor u was.",
        "packaging": "Het spijt ons dat de verpakking in deze staat was.",
        "returns": "Het spijt ons dat het retourneren of de terugbetaling niet zo eenvoudig ging als het zou moeten.",
        "food": "Het spijt ons dat het eten niet aan uw verwachtingen voldeed.",
        "drinks": "Het spijt ons dat de drankjes niet aan uw verwachtingen voldeden.",
        "service": "Het spijt ons dat de bediening tijdens uw bezoek tekortschoot.",
        "ambience": "Het spijt ons dat de sfeer u tijdens uw bezoek niet beviel.",
        "cleanliness": "Het spijt ons dat de netheid te wensen overliet; we nemen dit serieus.",
        "location": "Het spijt ons dat het lastig was om bij ons te komen.",
        "wait_time": "Het spijt ons dat u zo lang moest wachten.",
        "booking": "Het spijt ons dat er problemen waren met uw reservering.",
        "takeaway": "Het spijt ons dat uw afhaalbestelling niet goed bij u aankwam.",
        "bugs": "Het spijt ons dat de app u met fouten in de steek liet.",
        "feature_requests": "Bedankt voor uw suggestie; we hebben die gedeeld met het productteam.",
        "account": "Het spijt ons dat er problemen waren met uw account.",
        "pricing": "We begrijpen uw punt over de prijzen en hebben het doorgegeven aan het team.",
        "ads": "Bedankt voor uw feedback over de advertenties; we hebben die gedeeld met het team.",
        # hotels (the "hotels" preset's own topics)
        "room": "Het spijt ons dat uw kamer niet aan uw verwachtingen voldeed.",
        "noise": "Het spijt ons dat geluidsoverlast uw verblijf verstoorde.",
        "check_in": "Het spijt ons dat het in- of uitchecken niet soepel verliep.",
        "breakfast": "Het spijt ons dat het ontbijt niet aan uw verwachtingen voldeed.",
        "wifi": "Het spijt ons dat de wifi of andere voorzieningen u in de steek lieten.",
    },
    staff_thanks="We geven uw vriendelijke woorden graag door aan {names}.", and_word="en",
    serious="Het spijt ons zeer dit te lezen, en we nemen wat u beschrijft zeer serieus.",
    contact_urgent="Neem alstublieft rechtstreeks contact met ons op via {contact}, zodat we dit samen met u kunnen "
                   "bekijken.",
    contact_urgent_support="Neem alstublieft rechtstreeks contact met ons op, zodat we dit samen met u kunnen "
                           "bekijken.",
    enjoy_app="We wensen u nog veel plezier met de app.")

PORTUGUESE = Phrasebook(
    "pt", "Olá,", "Olá, {name},", "Muito obrigado pela sua avaliação!",
    "Obrigado por dedicar o seu tempo a nos contar a sua experiência.",
    "Obrigado por nos contar a sua experiência, e lamentamos que ela não tenha correspondido ao esperado.",
    "Ficamos felizes por saber que gostou.",
    "Encaminhamos os seus comentários para a equipe.",
    "Por favor, entre em contato conosco através de {contact} para que possamos verificar.",
    "Por favor, entre em contato conosco para que possamos verificar.",
    "Esperamos contar com você novamente em breve.", "Atenciosamente,", "A equipe",
    {
        "quality": "Lamentamos que o produto não tenha durado como deveria.",
        "delivery": "Lamentamos que o seu pedido tenha demorado mais do que deveria para chegar.",
        "price": "Entendemos a sua opinião sobre o preço e a encaminhamos para a equipe.",
        "customer_service": "Lamentamos que o nosso atendimento não tenha ajudado como deveria.",
        "support": "Lamentamos que o nosso suporte não tenha ajudado como deveria.",
        "usability": "Lamentamos que o uso tenha sido mais difícil do que deveria.",
        "performance": "Lamentamos que o desempenho não tenha correspondido às suas expectativas.",
        "size_fit": "Lamentamos que o tamanho não tenha sido o ideal.",
        "packaging": "Lamentamos o estado da embalagem.",
        "returns": "Lamentamos que a devolução ou o reembolso não tenha sido tão simples quanto deveria.",
        "food": "Lamentamos que a comida não tenha correspondido às suas expectativas.",
        "drinks": "Lamentamos que as bebidas não tenham correspondido às suas expectativas.",
        "service": "Lamentamos que o atendimento não tenha sido bom durante a sua visita.",
        "ambience": "Lamentamos que o ambiente não tenha agradado durante a sua visita.",
        "cleanliness": "Lamentamos os problemas de limpeza; levamos isso muito a sério.",
        "location": "Lamentamos que tenha sido difícil chegar até nós.",
        "wait_time": "Lamentamos que tenha precisado esperar tanto.",
        "booking": "Lamentamos os problemas com a sua reserva.",
        "takeaway": "Lamentamos que o seu pedido para viagem não tenha chegado como deveria.",
        "bugs": "Lamentamos os erros que encontrou no aplicativo.",
        "feature_requests": "Obrigado pela sugestão; nós a compartilhamos com a equipe de produto.",
        "account": "Lamentamos os problemas com a sua conta.",
        "pricing": "Entendemos a sua opinião sobre os preços e a encaminhamos para a equipe.",
        "ads": "Obrigado pelo comentário sobre os anúncios; nós o compartilhamos com a equipe.",
        # hotels (the "hotels" preset's own topics)
        "room": "Lamentamos que o seu quarto não tenha correspondido às suas expectativas.",
        "noise": "Lamentamos que o barulho tenha atrapalhado a sua estadia.",
        "check_in": "Lamentamos que o check-in ou o check-out não tenha sido tranquilo.",
        "breakfast": "Lamentamos que o café da manhã não tenha correspondido às suas expectativas.",
        "wifi": "Lamentamos que o Wi-Fi ou as outras comodidades não tenham funcionado como deveriam.",
    },
    staff_thanks="Vamos repassar suas palavras gentis para {names}.", and_word="e",
    serious="Lamentamos muito ler isso e levamos muito a sério o que você descreve.",
    contact_urgent="Por favor, entre em contato diretamente conosco através de {contact} para que possamos analisar "
                   "isso com você.",
    contact_urgent_support="Por favor, entre em contato diretamente conosco para que possamos analisar isso com você.",
    enjoy_app="Esperamos que continue aproveitando o app.")

PHRASEBOOKS: dict[str, Phrasebook] = {b.language: b for b in (ENGLISH, GERMAN, FRENCH, SPANISH, ITALIAN, DUTCH,
                                                               PORTUGUESE)}
