"""The viewer follows the segmentations: a newly segmented exam gets its voxel files and lesion
overlaps prepared as it arrives, so that the first look at it reads files and the cache."""

from reviewer.viewer.preparation import prepare_exam


def prepare_segmented_exam(sender, *, exam, **kwargs) -> None:
    prepare_exam(exam)
