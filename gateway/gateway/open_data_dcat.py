"""The hub's open data described in DCAT-AP (JSON-LD), for an open-data portal to harvest (data.gouv.fr,
opendata.paris.fr, data.europa.eu read DCAT-AP): one dcat:Catalog, a dcat:Dataset per dataset of the registry and
per budget export, a dcat:Distribution per format. URLs are absolute, from HUB_PUBLIC_URL; formats and languages
use the EU vocabularies DCAT-AP recommends."""
from .open_data_registry import BUDGET_EXPORTS, DATASETS, LICENCE_TITLE, LICENCE_URL, PUBLISHER

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
FRENCH = {"@id": "http://publications.europa.eu/resource/authority/language/FRA"}
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FORMATS = {"CSV": ("text/csv", "CSV"), "JSON": ("application/json", "JSON"), "pabulib": ("text/plain", "TXT")}
CATALOGUE_PATH = "/donnees-ouvertes"


def text(value: str) -> dict:
    return {"@value": value, "@language": "fr"}


def licence() -> dict:
    return {"@id": LICENCE_URL, "@type": "dct:LicenseDocument", "rdfs:label": LICENCE_TITLE}


def publisher(base: str) -> dict:
    return {"@id": f"{base}{CATALOGUE_PATH}#editeur", "@type": "foaf:Agent", "foaf:name": PUBLISHER}


def distribution(base: str, identifier: str, label: str, access: str, download: str | None) -> dict:
    media_type, file_type = FORMATS[label]
    found = {"@id": f"{base}{CATALOGUE_PATH}#{identifier}-{label.lower()}", "@type": "dcat:Distribution",
             "dct:title": text(f"{identifier} ({label})"), "dcat:accessURL": {"@id": access},
             "dcat:mediaType": {"@id": MEDIA_TYPES + media_type}, "dct:format": {"@id": FILE_TYPES + file_type},
             "dct:license": licence()}
    if download:
        found["dcat:downloadURL"] = {"@id": download}
    return found


def dataset_entry(base: str, identifier: str, title: str, description: str, keywords, distributions: list) -> dict:
    return {"@id": f"{base}{CATALOGUE_PATH}#{identifier}", "@type": "dcat:Dataset", "dct:identifier": identifier,
            "dct:title": text(title), "dct:description": text(description),
            "dcat:keyword": [text(keyword) for keyword in keywords], "dct:license": licence(),
            "dct:publisher": publisher(base), "dct:language": FRENCH,
            "dcat:landingPage": {"@id": f"{base}{CATALOGUE_PATH}#{identifier}"}, "dcat:distribution": distributions}


def catalog(base: str) -> dict:
    """The DCAT-AP catalogue; `base`: the hub's public URL, without a trailing slash."""
    datasets = []
    for found in DATASETS:
        files = f"{base}/api/v1/open-data/{found.name}"
        datasets.append(dataset_entry(base, found.name, found.title, found.description, found.keywords, [
            distribution(base, found.name, "CSV", f"{files}.csv", f"{files}.csv"),
            distribution(base, found.name, "JSON", f"{files}.json", f"{files}.json")]))
        datasets[-1]["dct:conformsTo"] = {"@id": f"{files}.schema.json"}
    for export in BUDGET_EXPORTS:
        # a file per edition for the results: the catalogue page, which links each, is their access URL
        distributions = [distribution(base, export.name, label, *(
            (f"{base}{path}", f"{base}{path}") if "{" not in path else (f"{base}{CATALOGUE_PATH}#{export.name}", None)))
            for label, _, path in export.formats]
        datasets.append(dataset_entry(base, export.name, export.title, export.description, export.keywords,
                                      distributions))
    return {"@context": CONTEXT, "@id": f"{base}/api/v1/open-data/catalog.jsonld", "@type": "dcat:Catalog",
            "dct:title": text("Données ouvertes du Hub de la participation de Paris"),
            "dct:description": text("Les données publiques de la participation citoyenne à Paris — idées, "
                                    "consultations, pétitions, budget participatif, délais de réponse des "
                                    "dispositifs — anonymisées, sous licence ODbL 1.0."),
            "dct:publisher": publisher(base), "dct:license": licence(), "dct:language": FRENCH,
            "foaf:homepage": {"@id": f"{base}{CATALOGUE_PATH}"}, "dcat:dataset": datasets}
