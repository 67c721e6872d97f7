"""The words pages and documents show for what the records keep in English: identifiers (statuses,
severities, leg modes, milestones, …), count units of issue and the storage profiles' labels.

Each is marked with N_ so that the catalogs carry it; the core cannot translate (it knows no reader), so
the web says a word through the request's catalog (`logistics.web.i18n.label`) and a PDF through its
document's language. Records, the API and CSV files keep the English identifiers and units.
"""

from __future__ import annotations

from collections.abc import Callable

from logistics.core.refusals import N_
from logistics.core.units import count_unit

# The storage profiles config/profiles.toml ships, by name and by label (a profile defined elsewhere is
# shown as it is written): tests/core/test_words.py keeps these in step with the file.
PROFILE_NAMES = {
    "refrigerated": N_("refrigerated"), "crt": N_("room temperature"), "frozen": N_("frozen"),
    "dry_ice": N_("dry ice"), "ln2_vapour": N_("liquid nitrogen vapour"),
}
PROFILE_LABELS = frozenset({
    N_("Refrigerated, 2–8 °C"), N_("Controlled room temperature, 15–25 °C"), N_("Frozen, −25 to −15 °C"),
    N_("Dry ice, ≤ −60 °C"), N_("Liquid nitrogen vapour, ≤ −150 °C"),
})

# Words the code keeps as identifiers (statuses, severities, modes…), as people read them.
LABELS = {
    # shipment status
    "planned": N_("planned"), "packed": N_("packed"), "in_transit": N_("in transit"),
    "arrived": N_("arrived"), "received": N_("received"), "closed": N_("closed"),
    "cancelled": N_("cancelled"),
    # logger status
    "active": N_("active"), "maintenance": N_("maintenance"), "retired": N_("retired"),
    # severities
    "info": N_("info"), "minor": N_("minor"), "major": N_("major"), "critical": N_("critical"),
    # excursion review
    "open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved"),
    "withdrawn": N_("withdrawn"),
    "no_impact": N_("no impact"), "use_within_stability_budget": N_("use within stability budget"),
    "quarantine": N_("quarantine"), "reject": N_("reject"),
    # leg modes
    "truck": N_("truck"), "air": N_("air"), "customs": N_("customs"), "courier": N_("courier"),
    "storage": N_("storage"),
    # milestones
    "picked_up": N_("picked up"), "departed": N_("departed"), "landed": N_("landed"),
    "customs_cleared": N_("customs cleared"), "out_for_delivery": N_("out for delivery"),
    "delivered": N_("delivered"), "customs_hold": N_("customs hold"),
    "dry_ice_topped_up": N_("dry ice topped up"),
    # milestones the loggers' telemetry writes (services.geofence), and the alert of a long stop
    "gps_arrived": N_("arrived (GPS)"), "gps_left": N_("left (GPS)"), "opened": N_("shipper opened"),
    "dwell": N_("stop longer than planned"),
    # roles
    "admin": N_("admin"), "logistics": N_("logistics"), "pharmacy": N_("pharmacy"), "qa": N_("QA"),
    "viewer": N_("viewer"),
    # a reading against its range
    "above": N_("above range"), "below": N_("below range"), "in": N_("in range"),
    # form fields, as named in a refusal ("quantity: …")
    "quantity": N_("quantity"), "lot": N_("lot"), "logger": N_("logger"), "at": N_("when"),
    "site": N_("site"), "kind": N_("what"), "comment": N_("comment"), "assessment": N_("assessment"),
    "disposition": N_("disposition"), "status": N_("status"), "reason": N_("reason"), "mode": N_("mode"),
    "origin": N_("origin"), "destination": N_("destination"), "record": N_("record"),
    "planned_start": N_("planned start"), "planned_end": N_("planned end"),
    "actual_start": N_("actual start"), "actual_end": N_("actual end"), "starts_at": N_("from"),
    "carrier": N_("carrier"), "transport_ref": N_("flight or truck"),
    "max_quantity": N_("largest quantity per entry"),
    # fields of a record, as the audit trail names them
    "reference": N_("reference"), "air_waybill": N_("air waybill"), "import_permit": N_("import permit"),
    "planned_departure": N_("planned departure"), "planned_arrival": N_("planned arrival"),
    "actual_departure": N_("actual departure"), "actual_arrival": N_("actual arrival"),
    "packaging_validated_s": N_("packaging validated for"), "created_at": N_("created"),
    "from_site": N_("from site"), "to_site": N_("to site"), "shipment": N_("shipment"),
    "latitude": N_("latitude"), "longitude": N_("longitude"), "radius_m": N_("geofence radius (m)"),
    "sequence": N_("order"), "position": N_("position"), "note": N_("note"), "notes": N_("notes"),
    "language": N_("language"), "unit": N_("unit"), "ends_at": N_("until"),
    # receiving: the checklist, coolant, dispositions, why a line is quarantined, what differs
    "packaging_intact": N_("Outer packaging intact"), "seals_intact": N_("Seals intact"),
    "coolant_present": N_("Coolant present"), "logger_present": N_("Logger present"),
    "logger_alarm": N_("Logger shows an alarm"), "documents_complete": N_("Documents complete"),
    "import_permit_present": N_("Import permit present"),
    "frozen": N_("frozen"), "cold": N_("cold"), "partly_thawed": N_("partly thawed"), "thawed": N_("thawed"),
    "dry_ice_present": N_("dry ice present"), "dry_ice_gone": N_("dry ice gone"), "not_used": N_("not used"),
    "accept": N_("accept"), "open_excursion": N_("excursion not resolved"),
    "no_monitor": N_("not monitored"), "discrepancy": N_("differs from the shipping record"),
    "packaging_damaged": N_("packaging damaged"), "seal_broken": N_("seal broken"),
    "coolant_missing": N_("coolant missing"), "coolant_spent": N_("coolant spent"),
    "logger_missing": N_("logger missing"), "documents_missing": N_("documents missing"),
    "import_permit_missing": N_("import permit missing"),
    "lot_mismatch": N_("other lot"), "expiry_mismatch": N_("other expiry"),
    "count_mismatch": N_("count differs"), "damaged": N_("damaged"), "missing": N_("missing"),
    # QA and stock
    "released": N_("released"), "partially_released": N_("partially released"), "rejected": N_("rejected"),
    "not_quarantined": N_("not quarantined"),
    "available": N_("available"), "quarantined": N_("in quarantine"), "expired": N_("expired"),
    "on_hold": N_("on hold"), "hold": N_("put on hold"), "relot": N_("booked under the lot read"),
    "release": N_("release"), "consume": N_("consumed"), "receipt": N_("receipt"),
    "opening": N_("opening balance"),
    # QA's assessment of an excursion, and why a release is not possible
    "packaging": N_("packaging"), "handling": N_("handling"), "customs_dwell": N_("customs dwell"),
    "logger_fault": N_("logger fault"), "other": N_("other"),
    "blocked_running": N_("still running"), "blocked_unassessed": N_("not assessed for this lot"),
    "blocked_impact": N_("assessed with an impact on the product"),
    # alert deliveries
    "pending": N_("pending"), "sent": N_("sent"), "failed": N_("failed"),
    # the trial: what a bill-of-materials line counts per, where an enrolment came from, who ran a forecast
    "patient": N_("patient"), "screened": N_("screened patient"), "batch": N_("manufacturing batch"),
    "page": N_("web page"), "api": N_("API"), "csv": N_("CSV file"), "registry": N_("registry"),
    "manual": N_("by hand"), "schedule": N_("scheduler"), "cli": N_("command line"),
    # storage profiles and stability allowances: their settings, as a version's changes name them
    "label": N_("label"), "min_c": N_("lower limit (°C)"), "max_c": N_("upper limit (°C)"),
    "shock_g": N_("shock threshold (g)"), "max_hold_minutes": N_("longest hold of one reading (min)"),
    "activation_energy_kj": N_("activation energy (kJ/mol)"), "gap_severity": N_("severity of a data gap"),
    "threshold_c": N_("threshold (°C)"), "minutes": N_("minutes"), "severity": N_("severity"),
    "single": N_("single run"), "cumulative": N_("cumulative"), "budget_hours": N_("budget (h)"),
    "limit_c": N_("at or below (°C)"), "profile": N_("profile"), "allowance": N_("allowance"),
    # the audit trail: what happened to a record, and the kinds of record (their tables)
    "create": N_("created"), "update": N_("changed"), "delete": N_("removed"), "leg": N_("leg"),
    "filters": N_("filters"),
    "shipments": N_("shipment"), "shipment_lines": N_("shipment line"), "legs": N_("route leg"),
    "milestones": N_("milestone"), "logger_assignments": N_("logger assignment"), "loggers": N_("logger"),
    "sites": N_("site"), "items": N_("item"), "lots": N_("lot"), "users": N_("user"),
    "api_tokens": N_("API token"), "receipts": N_("receipt"), "receipt_lines": N_("received line"),
    "stock_movements": N_("stock movement"), "excursions": N_("excursion"),
    "excursion_assessments": N_("excursion assessment"), "signatures": N_("electronic signature"),
    "signing_failures": N_("refused signature"), "storage_zones": N_("storage zone"),
    "storage_profile_versions": N_("storage profile version"),
    "item_allowance_versions": N_("stability allowance version"), "recruitment_plans": N_("recruitment plan"),
    "recruitment_sites": N_("recruitment site"), "enrolments": N_("enrolment"),
    "bom_lines": N_("bill of materials line"),
    # lanes: their records, fields and coolants ("dry_ice" reads as the profile of that name)
    "lanes": N_("lane"), "lane_legs": N_("lane leg"), "lane_id": N_("lane"), "lane": N_("lane"),
    "code": N_("code"), "timezone": N_("time zone"),
    # the kinds of site ("customs" as above)
    "warehouse": N_("warehouse"), "airport": N_("airport"), "hospital": N_("hospital"),
    "name": N_("name"), "packaging_hold_hours": N_("qualified hold time (h)"),
    "storage_profiles": N_("storage profiles"), "loggers_per_box": N_("loggers per box"),
    "coolant": N_("coolant"), "coolant_kg": N_("coolant (net kg)"), "wait_hours": N_("wait before (h)"),
    "duration_hours": N_("duration (h)"), "none": N_("none"), "gel_packs": N_("gel packs"),
    "ln2_dry_shipper": N_("LN2 dry shipper"),
    # Bangkok's seasons (lane analytics)
    "hot_season": N_("hot season"), "rainy_season": N_("rainy season"), "cool_season": N_("cool season"),
    # hand-overs: the parties, the record and its fields ("carrier", "courier", "pharmacy" as above)
    "shipper": N_("shipper"), "customs_broker": N_("customs broker"), "handovers": N_("hand-over"),
    "from_party": N_("handed over by"), "to_party": N_("taken by"), "place": N_("place"),
    "coolant_state": N_("coolant"), "leg_sequence": N_("leg"), "recorded_via": N_("recorded through"),
    "recorded_at": N_("recorded"), "handover_links": N_("hand-over links"), "link": N_("hand-over link"),
    # import papers: the permit register, its fields, and the licence per invoice's
    "import_permits": N_("import permit"), "import_permit_items": N_("item covered by a permit"),
    "permit": N_("import permit"), "item": N_("item"), "number": N_("number"),
    "holder": N_("holder"), "issued": N_("issued"), "expires": N_("expires"),
    "protocol_number": N_("protocol number"), "hs_code": N_("HS code"),
    "invoice_number": N_("invoice number"), "net_weight_kg": N_("net weight (kg)"),
    "manufactured": N_("manufactured"),
    "no_free_liquid": N_("no free liquid"),
    # the dispatch gate: QA's override and its fields, the alert of goods leaving while it holds them
    "dispatch_overrides": N_("dispatch override"), "why": N_("why"), "by": N_("by"),
    "reasons": N_("reasons"), "dispatch_blocked": N_("left while the dispatch gate held it"),
    "do_not_ship_days": N_("do-not-ship window (days)"),
    # expiry cut-offs (core.expiry_cut_offs): the item's other two windows, and why a lot does not count
    "do_not_count_days": N_("do-not-count window (days)"),
    "do_not_dispense_days": N_("do-not-dispense window (days)"),
    "do-not-ship": N_("arrives too close to expiry to ship"),
    "do-not-count": N_("within the do-not-count window"),
}


def word(value: object, translate: Callable[[str], str]) -> str:
    """How `value` reads to people, in the language of `translate` (a gettext): an identifier by its
    label, a count unit ("vials" too) and a shipped profile's label translated; anything else as it is,
    an unknown identifier with spaces for underscores."""
    text = str(value)
    if text in LABELS:
        return translate(LABELS[text])
    if text in PROFILE_NAMES:
        return translate(PROFILE_NAMES[text])
    if text in PROFILE_LABELS:
        return translate(text)
    unit = count_unit(text)
    if unit is not None:
        said = translate(unit)
        return text if said == unit else said  # English keeps the unit as written ("vials")
    return text.replace("_", " ")

