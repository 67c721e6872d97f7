"""The shipments import page, read as a browser would: every problem of a file in one table beside the
instructions, and a file downloaded from the list taken back after an edit."""

import io
from html.parser import HTMLParser

from tests.web.conftest import csrf_token, login

HEADER = "reference,origin,destination,air_waybill,planned_departure,planned_arrival,lines\n"
TROUBLED = HEADER + (
    "HG-2026-0301,HG-SZ,SIRIRAJ-PH,160-48122035,2026-13-01 09:00,2026-12-12 15:00,"
    "SEL-CD34/SK2609-031=6 L; MED-HSC/M26K05\n"
    "HG-2026-0301,HG-SZ,NOWHERE,,,,SEL-CD34/SK2609-999=2 kit\n"
    "HG-2026-0045,HG-SZ,SIRIRAJ-CM,,2026-12-10 09:00,2026-12-09 09:00,\n"
    "HG-2026-0304,HG-SZ,SIRIRAJ-CM,160-48122034,2026-12-10 09:00,2026-12-12 15:00,MED-HSC/M26K05=2 bottle\n"
)


class ImportPage(HTMLParser):
    """The cells of each row of the problems table, the file input and the text of the instructions."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.problems: list[list[str]] = []
        self.file_input = False
        self.text = ""
        self._in_table = self._in_cell = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "table" and found.get("id") == "import-problems":
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.problems.append([])
        elif self._in_table and tag == "td":
            self._in_cell = True
            self.problems[-1].append("")
        elif tag == "input" and found.get("type") == "file" and found.get("name") == "file":
            self.file_input = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        self.text += data
        if self._in_cell:
            self.problems[-1][-1] += data

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        return [(row[0], row[1], row[2]) for row in self.problems if row]  # the heading row has no <td>


def upload(client, text, name="shipments.csv"):
    data = {"csrf_token": csrf_token(client, "/shipments/import"), "file": (io.BytesIO(text.encode()), name)}
    return client.post("/shipments/import", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_the_page_lists_every_problem_of_the_file_in_one_table_beside_the_instructions(client):
    login(client, "logistics")
    response = upload(client, TROUBLED)
    assert response.status_code == 422
    page = ImportPage(response.get_data(as_text=True))
    assert page.rows == [
        ("2", "planned_departure", "expected a date and time such as 2026-12-01 09:30, "
                                   "got '2026-13-01 09:00'"),
        ("2", "air_waybill", "check digit should be 4, not 5"),
        ("2", "lines", "SEL-CD34/SK2609-031: '6 L' cannot be expressed in kit (this item is issued in kit)"),
        ("2", "lines", "write each line as ITEM/LOT=QUANTITY, e.g. SEL-CD34/SK2609-031=6 kit; "
                       "MED-HSC/M26K05=12 bottle; got 'MED-HSC/M26K05'"),
        ("3", "destination", "no site with code 'NOWHERE'"),
        ("3", "reference", "'HG-2026-0301' is also in row 2"),
        ("3", "lines", "no lot 'SEL-CD34/SK2609-999' (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)"),
        ("4", "planned_arrival", "must not be before the planned departure"),
        ("4", "reference", "'HG-2026-0045' is already used"),
    ]
    assert "9 problems to fix, then upload the file again." in page.text
    assert page.file_input and "One shipment per row, with a header row naming the columns" in page.text
    assert "ITEM/LOT=QUANTITY" in page.text and "can be edited and imported again" in page.text
    assert "HG-2026-0304" not in client.get("/shipments?q=HG-2026-030").get_data(as_text=True)


def test_an_unexpected_column_is_a_problem_in_the_table_naming_the_expected_ones(client):
    login(client, "logistics")
    text = "reference,origin,destination,eta\nHG-2026-0301,HG-SZ,SIRIRAJ-PH,tomorrow\n"
    [(row, column, problem)] = ImportPage(upload(client, text).get_data(as_text=True)).rows
    assert (row, column) == ("1", "eta")
    assert problem.startswith("unknown column 'eta' (columns: reference, origin, destination, air_waybill, ")


def test_a_file_downloaded_from_the_list_is_imported_again_after_an_edit(client):
    login(client, "logistics")
    exported = client.get("/shipments.csv?status=planned").get_data(as_text=True)
    assert "TUB-TS310/TS26-0877=8 set" in exported
    imported = upload(client, exported.replace("HG-2026-0048", "HG-2026-0148"), name="edited.csv")
    assert "1 shipment imported from edited.csv." in imported.get_data(as_text=True)
    again = client.get("/shipments.csv?status=planned").get_data(as_text=True).splitlines()
    assert again[1:] == [exported.splitlines()[1].replace("HG-2026-0048", "HG-2026-0148"),
                         exported.splitlines()[1]]


def test_the_problem_table_reads_in_the_users_language(client):
    login(client, "logistics")
    client.post("/language", data={"language": "th", "csrf_token": csrf_token(client, "/shipments/import")})
    page = ImportPage(upload(client, TROUBLED).get_data(as_text=True))
    assert len(page.rows) == 9 and "มีปัญหา 9 รายการที่ต้องแก้ไข" in page.text
