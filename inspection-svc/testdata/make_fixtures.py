#!/usr/bin/python3
"""Cuts small real-format fixtures out of the inspectorate's published files.

Run from the repository root: /usr/bin/python3 inspection-svc/testdata/make_fixtures.py
Source: ../shared/data/inspectorate (Bron: Inspectie van het Onderwijs). The fixtures keep the
real XML of the rows they keep (styles, repeated cells, the trailing run of empty rows), so the
reader is tested on the format as published, only shorter.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"

SRC = "../shared/data/inspectorate/oordelen-20260305-scholen.ods"
OUT = "inspection-svc/testdata/oordelen-fixture-scholen.ods"

# Rows picked by OVT: very weak with and without OR1, a department in two framework rows,
# a location-level object (VST), an OVERIG track, and ordinary departments.
WANTED = {"00CB|02|HAVO", "00CB|02|VWO", "00DI|02|HAVO", "20CH|00", "02IB|05|OVERIG"}


def expanded(row_xml):
    """The row's cell texts with table:number-columns-repeated expanded (capped at 62)."""
    ns = ('xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"')
    root = ET.fromstring(f"<r {ns}>{row_xml}</r>")
    cells = []
    for cell in root[0]:
        repeat = int(cell.get(TABLE + "number-columns-repeated", "1"))
        cells += ["".join(cell.itertext())] * min(repeat, 62)
    return cells + [""] * (62 - len(cells))


def main():
    with zipfile.ZipFile(SRC) as z:
        content = z.read("content.xml").decode("utf-8")
        others = {n: z.read(n) for n in z.namelist() if n != "content.xml"}
    start = content.index("<table:table-row")
    end = content.rindex("</table:table>")
    rows = re.findall(r"<table:table-row.*?</table:table-row>", content[start:end], re.S)
    header, body = rows[0], rows[1:]
    or1 = expanded(header).index("OR1")
    kader = expanded(header).index("Kader")
    kept, po, plain = [], 0, 0
    very_weak_without_or1 = False
    for row in body:
        cells = re.findall(r"<text:p>(.*?)</text:p>", row)
        if len(cells) < 6:
            continue
        sector, ovt, verdict = cells[1], cells[2], cells[5]
        take = ovt in WANTED
        if sector == "PO" and po < 5:
            take, po = True, po + 1
        if sector == "VO" and verdict == "Zeer zwak" and not very_weak_without_or1 and \
                expanded(row)[or1] == "" and expanded(row)[kader] != "":
            take, very_weak_without_or1 = True, True
        if sector == "VO" and verdict in ("Voldoende", "Onvoldoende", "Goed") and plain < 12:
            take, plain = True, plain + 1
        if take:
            kept.append(row)
    tail = rows[-1] if "number-rows-repeated" in rows[-1] else ""
    new_content = content[:start] + header + "".join(kept) + tail + content[end:]
    with zipfile.ZipFile(OUT, "w") as out:
        out.writestr(zipfile.ZipInfo("mimetype"), others.pop("mimetype"), zipfile.ZIP_STORED)
        out.writestr("content.xml", new_content, zipfile.ZIP_DEFLATED)
        for name, data in others.items():
            out.writestr(name, data, zipfile.ZIP_DEFLATED)
    print(f"{OUT}: {len(kept)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
