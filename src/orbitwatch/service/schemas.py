"""pydantic models of the API's bodies (the numeric core never sees these)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["viewer", "analyst", "coordinator", "admin"]


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    message: str
    request_id: Optional[str] = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    model_config = ConfigDict(extra="allow")
    ready: bool
    database: str
    backend: str


class LoginRequest(BaseModel):
    agency: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    user: str
    user_id: Optional[int]
    agency: str
    agency_id: Optional[int]
    role: Role
    via: str
    key_id: Optional[str] = None


class LoginResponse(BaseModel):
    user: Me
    csrf_token: str
    expires_in_s: float


class CatalogObject(BaseModel):
    norad_id: int
    name: str
    intl_designator: str
    object_type: str
    first_epoch: Optional[str]
    last_epoch: Optional[str]
    n_element_sets: int


class ObjectList(BaseModel):
    objects: list[CatalogObject]
    total: int
    limit: int
    offset: int


class ElementSetRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    norad_id: int
    epoch: str
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_deg: float


class History(BaseModel):
    norad_id: int
    element_sets: list[ElementSetRecord]


class Rejected(BaseModel):
    model_config = ConfigDict(extra="allow")
    line: Optional[int] = None
    field: str
    reason: str


class UploadReport(BaseModel):
    import_id: int
    source: str
    format: str
    n_records: int
    inserted: int
    duplicates: int
    conflicts: int
    rejected: int
    objects_new: int
    rejections: list[Rejected] = []


class FleetEntryIn(BaseModel):
    norad_id: int = Field(ge=0, le=999_999_999)
    label: str = Field("", max_length=200)


class FleetEntry(BaseModel):
    id: int
    agency: str
    norad_id: int
    label: str
    name: Optional[str] = None
    created_at: str


class FleetList(BaseModel):
    entries: list[FleetEntry]


class ScreeningJobIn(BaseModel):
    start: Optional[str] = Field(None, description="UTC ISO-8601; default now")
    stop: Optional[str] = None
    hours: Optional[float] = None
    days: Optional[float] = None
    threshold_km: float = 5.0
    backend: Optional[Literal["numba", "sgp4"]] = None


class Job(BaseModel):
    id: int
    agency: Optional[str]
    kind: str
    params: dict[str, Any]
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    created_by: str
    created_at: Optional[str]
    started_at: Optional[str]
    finished_at: Optional[str]
    heartbeat_at: Optional[str]
    attempts: int
    progress: dict[str, Any]
    cancel_requested: bool
    result: Optional[dict[str, Any]]
    error: Optional[dict[str, Any]]


class JobList(BaseModel):
    jobs: list[Job]


class Event(BaseModel):
    id: int
    job_id: int
    agency: Optional[str]
    norad_1: int
    norad_2: int
    name_1: str
    name_2: str
    tca: str
    miss_km: float
    radial_km: float
    in_track_km: float
    cross_track_km: float
    rel_speed_km_s: float
    volume_ratio: Optional[float]
    pc: Optional[float]


class EventList(BaseModel):
    events: list[Event]
    frame: str = "RTN of object 1 (radial, in-track, cross-track), km; TCA in UTC"


class ShareIn(BaseModel):
    grantee: str = Field(min_length=1, max_length=64)
    what: str = Field(min_length=1, max_length=200, description="fleet, ephemerides, events, products or "
                                                                "collection:<id>")
    until: Optional[str] = Field(None, description="UTC ISO-8601; default: until revoked")


class Share(BaseModel):
    id: int
    grantor: str
    grantee: str
    what: str
    created_at: Optional[str] = None
    until: Optional[str] = None
    state: str


class ShareList(BaseModel):
    shares: list[Share]


class AuditRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    at: str
    actor: str
    action: str
    object: str
    outcome: str
    request_id: str
    client: str
    agency_id: Optional[int]
    hash: str
    prev_hash: str


class AuditList(BaseModel):
    records: list[AuditRecord]
    next_after_id: Optional[int]


class AuditVerify(BaseModel):
    ok: bool
    n_records: int
    first_bad_id: Optional[int]
    reason: str
