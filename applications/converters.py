"""The shape of a bid reference in a URL (PE-2013-0042): anything else is 404
before a view runs, so no malformed value (a NUL, a 300-character string)
reaches the database."""


class ReferenceConverter:
    regex = r"[A-Z]{1,10}-[0-9]{4}-[0-9]{1,9}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
