"""De-identification of DICOM headers by DICOM PS3.15 Annex E (the former Supplement 142).

Implements the Basic Application Level Confidentiality Profile with the Retain Longitudinal
Temporal Information with Modified Dates Option (E.3.6): dates move by a per-patient number of
days, so intervals between a patient's exams survive; times stay as they are.

The action table follows PS3.15 Table E.1-1 of the 2024 edition, as machine-read in
innolitics/dicom-standard (standard/confidentiality_profile_attributes.json), keyed by pydicom
keyword. It holds the rows that image instances carry: patient, visit, study, series,
equipment, physicians and operators, requests and procedure steps, comments, UIDs and dates.
Rows used only by RT plans, doses and structure sets, specimens, photographs (GPS, lens) and
structured reports are left out: NeuroReview imports MR image series. Compound codes are
resolved for image IODs: X/Z, X/Z/D and Z/D become Z (keeps Type 2 attributes present), X/D
becomes X, and X/Z/U* (referenced images) keeps the sequence with its UIDs replaced.

Beyond the table, as E.3.1 requires or allows: private attributes, curves (50xx), overlays
(60xx) and group lengths are removed; every UI value except the UIDs of classes and coding
schemes is replaced; every other DA and DT value is shifted; any other PN value is emptied;
sequences are processed item by item with the same rules. Pixel data is not cleaned, so an
instance with BurnedInAnnotation YES is refused.
"""

import copy
import datetime
import enum
import hashlib
import hmac
import math
import re
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue

from imaging.errors import ImagingInputError


class Action(enum.StrEnum):
    """Enumerated action codes of PS3.15 Table E.1-1."""

    DUMMY = "D"
    ZERO = "Z"
    REMOVE = "X"
    KEEP = "K"
    CLEAN = "C"
    UID = "U"


def _rows(action: Action, keywords: str) -> dict[str, Action]:
    return dict.fromkeys(keywords.split(), action)


PROFILE: dict[str, Action] = {
    **_rows(
        Action.ZERO,
        """
        AccessionNumber AcquisitionContextSequence BarcodeValue ClinicalTrialCoordinatingCenterName
        ClinicalTrialProtocolName ClinicalTrialSiteID ClinicalTrialSiteName ClinicalTrialTimePointID
        ConsultingPhysicianName ContentCreatorName ContrastBolusAgent DeviceSerialNumber
        FillerOrderNumberImagingServiceRequest InstitutionCodeSequence InstitutionName LabelText
        OperatorsName PatientBirthDate PatientID PatientName PatientSex PatientSexNeutered
        PlacerOrderNumberImagingServiceRequest ReferencedPerformedProcedureStepSequence
        ReferencedStudySequence ReferringPhysicianName RequestedProcedureDescription ReviewerName
        StationName StudyID VerifyingObserverIdentificationCodeSequence""",
    ),
    **_rows(
        Action.REMOVE,
        """
        AcquisitionComments AcquisitionDeviceProcessingDescription AcquisitionProtocolDescription
        ActualHumanPerformersSequence AdditionalPatientHistory AddressTrial AdmissionID
        AdmittingDiagnosesCodeSequence AdmittingDiagnosesDescription Allergies Arbitrary
        AuthorObserverSequence BranchOfService CassetteID
        ClinicalTrialProtocolEthicsCommitteeApprovalNumber ClinicalTrialSeriesDescription
        ClinicalTrialSeriesID ClinicalTrialTimePointDescription CommentsOnRadiationDose
        CommentsOnThePerformedProcedureStep ConfidentialityConstraintOnPatientDataDescription
        ConsultingPhysicianIdentificationSequence ContentCreatorIdentificationCodeSequence
        ContributionDescription CountryOfResidence CurrentObserverTrial CurrentPatientLocation
        CustodialOrganizationSequence DataSetTrailingPadding DecompositionDescription
        DerivationDescription DetectorID DeviceDescription DeviceSettingDescription
        DigitalSignaturesSequence DischargeDiagnosisDescription DistributionAddress DistributionName
        EthnicGroup FrameComments GantryID GeneratorID HumanPerformerName
        HumanPerformerOrganization IconImageSequence IdentifyingComments ImageComments
        ImagePresentationComments ImagingServiceRequestComments Impressions InstanceOriginStatus
        InstitutionAddress InstitutionalDepartmentName InstitutionalDepartmentTypeCodeSequence
        InsurancePlanIdentification IntendedRecipientsOfResultsIdentificationSequence
        InterpretationApproverSequence InterpretationAuthor InterpretationDiagnosisDescription
        InterpretationIDIssuer InterpretationRecorder InterpretationText InterpretationTranscriber
        IssuerOfAdmissionID IssuerOfAdmissionIDSequence IssuerOfPatientID IssuerOfServiceEpisodeID
        IssuerOfServiceEpisodeIDSequence LongDeviceDescription MAC MedicalAlerts
        MedicalRecordLocator MilitaryRank ModifiedAttributesSequence ModifiedImageDescription
        ModifyingDeviceID MultienergyAcquisitionDescription NameOfPhysiciansReadingStudy
        NamesOfIntendedRecipientsOfResults NonconformingDataElementValue
        NonconformingModifiedAttributesSequence Occupation OperatorIdentificationSequence
        OrderCallbackPhoneNumber OrderCallbackTelecomInformation OrderEnteredBy
        OrderEntererLocation OriginalAttributesSequence OtherPatientIDs OtherPatientIDsSequence
        OtherPatientNames ParticipantSequence PatientAddress PatientAge PatientBirthName
        PatientBirthTime PatientComments PatientInstitutionResidence
        PatientInsurancePlanCodeSequence PatientMotherBirthName PatientPrimaryLanguageCodeSequence
        PatientPrimaryLanguageModifierCodeSequence PatientReligiousPreference PatientSize
        PatientState PatientTelecomInformation PatientTelephoneNumbers PatientTransportArrangements
        PatientWeight PerformedLocation PerformedProcedureStepDescription PerformedProcedureStepID
        PerformedStationAETitle PerformedStationGeographicLocationCodeSequence PerformedStationName
        PerformedStationNameCodeSequence PerformingPhysicianIdentificationSequence
        PerformingPhysicianName PersonAddress PersonTelecomInformation PersonTelephoneNumbers
        PhysicianApprovingInterpretation PhysiciansOfRecord PhysiciansOfRecordIdentificationSequence
        PhysiciansReadingStudyIdentificationSequence PlateID PreMedication PregnancyStatus
        ProtocolName ReasonForRequestedProcedureCodeSequence ReasonForStudy
        ReasonForTheImagingServiceRequest ReasonForTheRequestedProcedure ReasonForVisit
        ReasonForVisitCodeSequence ReferencedDigitalSignatureSequence ReferencedPatientAliasSequence
        ReferencedPatientPhotoSequence ReferencedPatientSequence ReferencedSOPInstanceMACSequence
        ReferringPhysicianAddress ReferringPhysicianIdentificationSequence
        ReferringPhysicianTelephoneNumbers RegionOfResidence RequestAttributesSequence
        RequestedContrastAgent RequestedProcedureComments RequestedProcedureID
        RequestedProcedureLocation RequestedSeriesDescription RequestingPhysician RequestingService
        RespiratoryMotionCompensationTechniqueDescription ResponsibleOrganization ResponsiblePerson
        ResultsComments ResultsDistributionListSequence ResultsIDIssuer
        ScheduledHumanPerformersSequence ScheduledPatientInstitutionResidence
        ScheduledPerformingPhysicianIdentificationSequence ScheduledPerformingPhysicianName
        ScheduledProcedureStepDescription ScheduledProcedureStepID ScheduledProcedureStepLocation
        ScheduledStationAETitle ScheduledStationGeographicLocationCodeSequence ScheduledStationName
        ScheduledStationNameCodeSequence ScheduledStudyLocation ScheduledStudyLocationAETitle
        SeriesDescription ServiceEpisodeDescription ServiceEpisodeID SmokingStatus SpecialNeeds
        StudyComments StudyDescription StudyIDIssuer TelephoneNumberTrial TextComments TextString
        TimezoneOffsetFromUTC TopicAuthor TopicKeywords TopicSubject TopicTitle
        TransducerIdentificationSequence UDISequence UniqueDeviceIdentifier VerbalSourceTrial
        VerbalSourceIdentifierCodeSequenceTrial VisitComments XRayDetectorLabel""",
    ),
    **_rows(
        Action.DUMMY,
        """
        AcquisitionFieldOfViewLabel ClinicalTrialProtocolEthicsCommitteeName
        ClinicalTrialProtocolID ClinicalTrialSponsorName ClinicalTrialSubjectID
        ClinicalTrialSubjectReadingID PersonIdentificationCodeSequence PersonName
        VerifyingObserverName VerifyingObserverSequence VerifyingOrganization XRayDetectorID
        XRaySourceID""",
    ),
    **_rows(Action.KEEP, "ReferencedImageSequence SourceImageSequence"),
    # The Modified Dates option's C: dates shift, times are kept.
    **_rows(
        Action.CLEAN,
        """
        AcquisitionDate AcquisitionDateTime AcquisitionTime AdmittingDate AdmittingTime ContentDate
        ContentTime CurveDate CurveTime EndAcquisitionDateTime ExpectedCompletionDateTime
        InstanceCoercionDateTime LastMenstrualDate ObservationDateTrial ObservationTimeTrial
        OverlayDate OverlayTime PerformedProcedureStepEndDate PerformedProcedureStepEndDateTime
        PerformedProcedureStepEndTime PerformedProcedureStepStartDate
        PerformedProcedureStepStartDateTime PerformedProcedureStepStartTime
        ProcedureStepCancellationDateTime ScheduledProcedureStepEndDate
        ScheduledProcedureStepEndTime ScheduledProcedureStepExpirationDateTime
        ScheduledProcedureStepModificationDateTime ScheduledProcedureStepStartDate
        ScheduledProcedureStepStartDateTime ScheduledProcedureStepStartTime SeriesDate SeriesTime
        StartAcquisitionDateTime StudyDate StudyTime""",
    ),
    **_rows(
        Action.UID,
        """
        ConcatenationUID DeviceUID DigitalSignatureUID DimensionOrganizationUID
        FailedSOPInstanceUIDList FiducialUID FrameOfReferenceUID InstanceCreatorUID
        IrradiationEventUID LargePaletteColorLookupTableUID ManufacturerDeviceClassUID
        MediaStorageSOPInstanceUID MultiplexGroupUID ObservationSubjectUIDTrial ObservationUID
        PaletteColorLookupTableUID PresentationDisplayCollectionUID
        PresentationSequenceCollectionUID ReferencedFrameOfReferenceUID
        ReferencedObservationUIDTrial ReferencedSOPInstanceUID ReferencedSOPInstanceUIDInFile
        RelatedFrameOfReferenceUID SeriesInstanceUID SOPInstanceUID StorageMediaFileSetUID
        StudyInstanceUID SynchronizationFrameOfReferenceUID TargetUID
        TemplateExtensionCreatorUID TemplateExtensionOrganizationUID TrackingUID TransactionUID
        UID""",
    ),
}

# CID 7050 De-identification Methods.
METHOD_CODES: tuple[tuple[str, str], ...] = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
)
METHOD: tuple[str, ...] = tuple(meaning for _, meaning in METHOD_CODES)  # LO: 64 chars each
_DICOM_ROOT = "1.2.840.10008."  # UIDs the standard defines name classes and schemes, not people
_NAMING_UIDS = frozenset(
    {
        "TransferSyntaxUID",
        "ReferencedTransferSyntaxUIDInFile",
        "CodingSchemeUID",
        "ContextUID",
        "MappingResourceUID",
        "ContextGroupExtensionCreatorUID",
    }
)
_BULK_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # fits LO and PN, no delimiters


class Deidentifier:
    """De-identifies the datasets of one patient under one pseudonym.

    ``uid_secret`` keys the UID mapping: the same secret maps the same UID to the same
    replacement, so references between a patient's series and exams survive, and without the
    secret the mapping cannot be recomputed from a guessed original.

    Raises
    ------
    ValueError
        ``pseudonym`` is not 1–64 letters, digits, ``.``, ``_`` or ``-``; ``date_shift_days`` is
        not an integer; ``uid_secret`` is shorter than 16 bytes.
    """

    def __init__(self, *, pseudonym: str, date_shift_days: int, uid_secret: bytes) -> None:
        if not _PSEUDONYM.fullmatch(pseudonym or ""):
            raise ValueError(f"pseudonym {pseudonym!r} must be 1-64 letters, digits, '.', '_', '-'")
        if isinstance(date_shift_days, bool) or not isinstance(date_shift_days, int):
            raise ValueError("date_shift_days must be an integer")
        if not isinstance(uid_secret, bytes) or len(uid_secret) < 16:
            raise ValueError("uid_secret must be at least 16 bytes")
        self.pseudonym = pseudonym
        self.date_shift_days = date_shift_days
        self._uid_secret = uid_secret

    def dataset(self, ds: Dataset) -> Dataset:
        """A de-identified deep copy of ``ds`` (with its file meta, if any).

        Raises
        ------
        ImagingInputError
            BurnedInAnnotation is YES; a date attribute holds no valid date.
        """
        if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
            raise ImagingInputError(
                f"SOP instance {ds.get('SOPInstanceUID', '?')}",
                "BurnedInAnnotation is YES: the pixels may show identity, which the basic profile "
                "cannot remove",
            )
        clean = copy.deepcopy(ds)
        self._clean(clean)
        clean.PatientName = self.pseudonym
        clean.PatientID = self.pseudonym
        clean.PatientIdentityRemoved = "YES"
        clean.LongitudinalTemporalInformationModified = "MODIFIED"
        clean.DeidentificationMethod = list(METHOD)
        clean.DeidentificationMethodCodeSequence = [_code(*code) for code in METHOD_CODES]
        if getattr(ds, "file_meta", None) is not None:
            clean.file_meta = self._file_meta(ds.file_meta, clean)
        return clean

    def uid(self, original: str) -> str:
        """The replacement of ``original``: ``2.25.`` and a UUID (RFC 9562 version 8) made of
        HMAC-SHA256(secret, UID), so at most 44 characters."""
        digest = hmac.new(self._uid_secret, str(original).strip("\x00 ").encode(), hashlib.sha256)
        value = int.from_bytes(digest.digest()[:16], "big")
        value = (value & ~(0xF << 76)) | (0x8 << 76)  # version 8
        value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC variant
        return f"2.25.{value}"

    def date(self, value: str) -> str:
        """``value`` (DICOM DA, YYYYMMDD) shifted by ``date_shift_days``.

        Raises
        ------
        ImagingInputError
            ``value`` is not a valid date.
        """
        try:
            return _shift_date(value, self.date_shift_days)
        except ValueError as exc:
            raise ImagingInputError(repr(value), f"not a DICOM date YYYYMMDD ({exc})") from exc

    def header(self, ds: Dataset) -> dict[str, Any]:
        """The de-identified top-level attributes of ``ds`` (the original) as JSON-ready values
        keyed by keyword; sequences and bulk data such as pixels are left out."""
        clean = self.dataset(ds)
        return {
            element.keyword or f"{element.tag:08X}": _json_value(element.value)
            for element in clean
            if element.VR != "SQ" and _BULK_VRS.isdisjoint(element.VR.split(" or "))
        }

    def _clean(self, ds: Dataset) -> None:
        for tag in list(ds.keys()):
            if tag.is_private or tag.element == 0 or tag.group >> 8 in (0x50, 0x60):
                del ds[tag]  # private, group length, curve (50xx) or overlay (60xx)
                continue
            element = ds[tag]
            action = PROFILE.get(element.keyword) or _default_action(element)
            if action is Action.REMOVE:
                del ds[tag]
            elif action is Action.ZERO:
                element.value = [] if element.VR == "SQ" else None
            elif element.VR == "SQ":  # D, K and C on a sequence: clean its items
                for item in element.value:
                    self._clean(item)
            else:
                self._apply(action, element)

    def _apply(self, action: Action, element: DataElement) -> None:
        """Carry out D, U or C (dates only) on the value of a non-sequence ``element``."""
        if action is Action.DUMMY:
            element.value = _dummy(element.VR)
        elif action is Action.UID:
            keyword = element.keyword  # bound once per element, not per loop iteration
            element.value = _map_values(
                element.value, lambda v: v if _names_a_class(keyword, v) else self.uid(v)
            )
        elif action is Action.CLEAN and element.VR in ("DA", "DT"):
            try:
                element.value = _map_values(
                    element.value, lambda v: _shift_date(v, self.date_shift_days)
                )
            except ValueError as exc:
                raise ImagingInputError(
                    element.keyword or str(element.tag), f"invalid date ({exc})"
                ) from exc

    def _file_meta(self, meta: FileMetaDataset, clean: Dataset) -> FileMetaDataset:
        """File meta rebuilt with what a reader needs; AE titles of the sender are dropped."""
        rebuilt = FileMetaDataset()
        for keyword in (
            "FileMetaInformationVersion",
            "MediaStorageSOPClassUID",
            "TransferSyntaxUID",
            "ImplementationClassUID",
            "ImplementationVersionName",
        ):
            if keyword in meta:
                rebuilt[keyword] = copy.deepcopy(meta[keyword])
        if "SOPInstanceUID" in clean:
            rebuilt.MediaStorageSOPInstanceUID = clean.SOPInstanceUID
        return rebuilt


def _default_action(element: DataElement) -> Action:
    return {"UI": Action.UID, "DA": Action.CLEAN, "DT": Action.CLEAN, "PN": Action.ZERO}.get(
        element.VR, Action.KEEP
    )


def _names_a_class(keyword: str, uid: str) -> bool:
    """Whether a UID outside the table names a class or scheme rather than an instance."""
    if uid.startswith(_DICOM_ROOT):
        return True
    return keyword not in PROFILE and (
        keyword in _NAMING_UIDS or keyword.endswith(("ClassUID", "ClassUIDInFile"))
    )


def _map_values(value: Any, function) -> Any:
    if value in (None, ""):
        return value
    if isinstance(value, MultiValue):
        return [function(str(v)) if str(v) else "" for v in value]
    return function(str(value))


def _shift_date(value: str, days: int) -> str:
    """Shift a DA (YYYYMMDD, or ACR-NEMA YYYY.MM.DD) or the date part of a DT by ``days``."""
    text = str(value).strip()
    if len(text) >= 10 and text[4] == "." and text[7] == ".":
        text = text[:4] + text[5:7] + text[8:]
    if len(text) < 8 or not text[:8].isdigit():
        raise ValueError(f"{value!r} has no YYYYMMDD date")
    try:
        date = datetime.datetime.strptime(text[:8], "%Y%m%d").date()
        shifted = date + datetime.timedelta(days=days)
    except OverflowError as exc:
        raise ValueError(f"{value!r} shifted by {days} days leaves the calendar") from exc
    return shifted.strftime("%Y%m%d") + text[8:]


def _dummy(vr: str) -> Any:
    if vr in ("US", "SS", "UL", "SL", "UV", "SV", "FL", "FD"):
        return 0
    return "0" if vr in ("DS", "IS") else "ANONYMIZED"


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, MultiValue)):
        return [_json_value(v) for v in value]
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return str(value)
