import { Enums, type Types, utilities, volumeLoader } from "@cornerstonejs/core";
import type { ViewerSeries, VoxelVolume } from "../types/ViewerManifest";
import { indexToWorld } from "./geometry";
import type { VoxelDownloads } from "./voxelDownloads";
import type { VoxelArray } from "./voxels";

/**
 * The viewer's image volumes, each fetched once and kept in Cornerstone's cache under
 * its content-hash URL. Every volume shares one frame of reference: the server already
 * put the priors into the current exam's LPS space.
 */
export class VolumeStore {
  private readonly volumes = new Map<string, Promise<string>>();

  constructor(
    private readonly frameOfReference: string,
    private readonly downloads: VoxelDownloads,
  ) {}

  /** The Cornerstone volume id of a series, downloading and creating it the first time. */
  volumeId(series: ViewerSeries): Promise<string> {
    let pending = this.volumes.get(series.url);
    if (!pending) {
      pending = this.downloads.get(series).then((voxels) => {
        // No ':' in the id: Cornerstone would take it for an image-loader scheme and try
        // to load the slices again to guess a default window, which we set ourselves.
        const id = `neuroreview-series-${series.id}-${series.url.split("/").pop()}`;
        const volume = volumeLoader.createLocalVolume(id, this.options(series, voxels));
        placeSlices(volume.imageIds, series);
        // A local volume starts with no slice marked for upload; mark them all, once.
        volume.modified();
        return id;
      });
      this.volumes.set(series.url, pending);
    }
    return pending;
  }

  private options(series: ViewerSeries, voxels: VoxelArray) {
    const signed = voxels instanceof Int16Array || voxels instanceof Float32Array;
    const bits = voxels.BYTES_PER_ELEMENT * 8;
    const metadata: Types.Metadata = {
      BitsAllocated: bits,
      BitsStored: bits,
      HighBit: bits - 1,
      SamplesPerPixel: 1,
      PhotometricInterpretation: "MONOCHROME2",
      PixelRepresentation: signed ? 1 : 0,
      Modality: "MR",
      SeriesInstanceUID: series.url,
      ImageOrientationPatient: series.direction.slice(0, 6),
      PixelSpacing: [series.spacing[1], series.spacing[0]],
      FrameOfReferenceUID: this.frameOfReference,
      Columns: series.dimensions[0],
      Rows: series.dimensions[1],
      voiLut: [{ windowCenter: series.window.center, windowWidth: series.window.width }],
      VOILUTFunction: "LINEAR",
    };
    return { metadata, scalarData: voxels, ...geometry(series) };
  }
}

/**
 * createLocalVolume gives every slice image the volume's origin; put each at its own
 * position, or Cornerstone cannot tell which slice an axial view shows (and warns so).
 */
function placeSlices(imageIds: readonly string[], grid: VoxelVolume): void {
  const { IMAGE_PLANE } = Enums.MetadataModules;
  imageIds.forEach((imageId, k) => {
    const plane = utilities.genericMetadataProvider.get(IMAGE_PLANE, imageId) as Record<string, unknown>;
    utilities.genericMetadataProvider.addRaw(imageId, {
      type: IMAGE_PLANE,
      metadata: { ...plane, imagePositionPatient: indexToWorld(grid, [0, 0, k]) },
    });
  });
}

function geometry(volume: VoxelVolume) {
  return {
    dimensions: volume.dimensions as Types.Point3,
    spacing: volume.spacing as Types.Point3,
    origin: volume.origin as Types.Point3,
    direction: volume.direction as Types.Mat3,
  };
}
