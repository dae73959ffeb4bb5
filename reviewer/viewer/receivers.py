"""The viewer follows the segmentations and preprocessing: a newly segmented or preprocessed exam
gets its voxel files, lesion overlaps and registrations prepared as it arrives, so that the first
look at it reads files and the cache."""

from reviewer.viewer.preparation import prepare_exam, prepare_patients


def prepare_segmented_exam(sender, *, exam, **kwargs) -> None:
    prepare_exam(exam)


def prepare_preprocessed_exam(sender, *, exam, **kwargs) -> None:
    prepare_patients([exam.patient])
