/**
 * The weights of the machine score's parts (they sum to 1) and the calibration of each part. The
 * numbers, the reasoning behind them and the values they were checked against are in docs/score.md;
 * change both together.
 */
/**
 * The scorer's version (see `SwapEvaluator.version`): raise it with any change to the parts, their
 * weights or calibration, or the face lookup, that can move a score.
 */
export const SCORER_VERSION = '3.0.0';

export const WEIGHTS = {
  identity_transfer: 0.18,
  identity_match: 0.12,
  assignment: 0.08,
  pose: 0.06,
  expression: 0.05,
  placement: 0.06,
  background: 0.1,
  seams: 0.09,
  framing: 0.06,
  face_quality: 0.2,
} as const;

export type ScorePart = keyof typeof WEIGHTS;

/** Where each raw measurement maps to 0 and to 1. */
export const CALIBRATION = {
  identity: {
    /**
     * Cosine to the avatar (identity model, docs/score.md) at which a face counts as the avatar's person.
     * Measured on the validation cases: a good swap with the right avatar 0.52–0.61, two photos of one
     * person 0.62, the same swap with another person's avatar −0.08–0.25, a face smeared by a failed swap
     * 0.05–0.32.
     */
    sameAt: 0.38,
    /** Half-width of the gate's smooth step around `sameAt`. */
    gateWidth: 0.08,
    /**
     * What a slot judged another person (or still the template's) leaves of the score: a well-drawn
     * stranger keeps at most this share of what the right person's swap would score.
     */
    gateFloor: 0.4,
    /** Cosine to the avatar at which "looks like the avatar" starts and is complete… */
    matchLo: 0.2,
    matchHi: 0.6,
    /**
     * …and the rounding of that ramp's foot (see `softRamp`), so that a failed identity still tells a
     * nearer miss from a farther one.
     */
    matchSoftness: 0.05,
    /** Avatar and template cosine over which they count more and more as the same person. */
    samePersonLo: 0.5,
    samePersonHi: 0.7,
    /**
     * Position between the nearest other avatar (-1) and the slot's own (+1) that scores 0 and 1 (at
     * -margin and +margin).
     */
    assignmentMargin: 0.5,
  },
  attributes: {
    /** Scale of the pose fall-off in radians (20°): a difference of this much scores e⁻¹ ≈ 0.37. */
    poseScale: 0.35,
    /**
     * Mean difference of the mesh's expression measures over which `expression` falls by e. Measured on
     * the demo cases: the classic swap 0.02–0.09 from its template face, the avatar's own face pasted in
     * 0.11–0.17; blur σ 1–2, noise σ 8 and JPEG 50–20 move an output face's measures by 0.003–0.07.
     */
    expressionScale: 0.1,
    /** Box IoU between output and template face that scores 0 and 1. */
    placementLo: 0.2,
    placementHi: 0.7,
  },
  image: {
    /** Output and template faces are matched only when their boxes overlap at least this much. */
    minSlotIou: 0.1,
    /** Face boxes are grown by this factor to cut the faces (and hair, paste boxes) out of the background. */
    backgroundDilation: 1.9,
    /** SSIM of the background that scores 0 and 1. */
    backgroundLo: 0.25,
    backgroundHi: 0.98,
    /** Mean absolute colour difference of the background (grey levels) that scores 0 and 1. */
    colourDiffZeroAt: 40,
    colourDiffFullAt: 2,
    /** The ring around each face where seams are looked for: from this factor of the face box… */
    seamInner: 0.85,
    /** …to this one. */
    seamOuter: 1.5,
    /**
     * Excess edge ratio (see excessEdges) over which the new-edge sign falls by e. Measured: the classic
     * swap 0–0.0003, the hard-edged paste 0.05–0.21, noise σ 8 / 16 / 32 over a good output 0.03 / 0.18 /
     * 0.59–0.66 (which keeps ≈ 0.05).
     */
    seamScale: 0.2,
    /**
     * Hard cuts (see `hardCutFraction`): how an abrupt change boundary is told from a blended one.
     * Measured on the demo cases (share of the face outline): the hard-edged paste 0.81–0.94 (0.43–0.99
     * under noise and JPEG); the same paste through a mask blurred by a 3-pass box of radius 2 / 4 / 8 px
     * 0.31–0.36 / 0.08–0.18 / 0.04–0.19; the classic swap 0–0.05 (0–0.12 under blur, noise and JPEG).
     */
    hardCut: {
      smoothRadius: 1,
      unchangedAt: 4,
      noiseFactor: 2,
      jump: 20,
      minRegionRadius: 3,
      reach: 3,
      plateauRadius: 12,
      plateauShare: 0.6,
      inner: 0.8,
      outer: 1.6,
      faceSide: 160,
    },
    /** Share of the face outline cut hard that is tolerated (hair strands, re-encoding, a face's own edges)… */
    hardCutTolerated: 0.1,
    /** …and beyond it, the share over which the part falls by e: a face cut out all round scores ≈ 0.05. */
    hardCutScale: 0.3,
    /** `framing` when no registration lines the output up with the template (another picture). */
    unregisteredFraming: 0.2,
  },
  registration: {
    /** Longer side of the images the registration works on (pixels). */
    workSide: 384,
    /** Lucas–Kanade iterations per pyramid level, coarsest first. */
    levelIterations: [40, 20, 10, 6],
    /** Levels of the pyramid stop above this side (pixels). */
    minLevelSide: 48,
    /** Most samples a level keeps: enough for a stable fit, few enough to stay cheap at the finest level. */
    maxSamples: 5000,
    /** Share of the background that must be unchanged (every channel within 1 level) to skip the fit. */
    unchangedShare: 0.98,
    /** Growth of the excluded boxes about their centres, and the tighter one used when little is left… */
    excludeGrowth: 1.9,
    excludeTight: 1.25,
    /** …when the generous exclusion would leave the background less than this share of the frame. */
    minBackground: 0.3,
    /** A sample is an inlier when its aligned, photometrically matched difference is below this (grey levels). */
    inlierDiff: 12,
    /** The registration counts as found when this share of the background samples are inliers… */
    minInliers: 0.35,
    /** …and the aligned backgrounds correlate at least this much. */
    minCorrelation: 0.5,
    /** A fit from the identity this good needs no other start. */
    goodInliers: 0.7,
    /** How many of the coarse search's best starts are refined when the identity's fit is not good. */
    starts: 3,
    /** Starting shifts (fractions of the frame) and scales tried on the coarsest level. */
    searchShifts: [-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12],
    searchScales: [0.92, 1, 1.08],
    /** Shift of the frame (fraction of its size) that is free, as a redraw moves the content… */
    shiftTolerated: 0.03,
    /** …and beyond it, the shift over which `framing` falls by e. */
    shiftScale: 0.05,
    /** |ln scale| that is free (≈ 5% zoom), and the excess over which `framing` falls by e. */
    zoomTolerated: 0.05,
    zoomScale: 0.1,
    /** Rotation in degrees that is free, and the excess over which `framing` falls by e. */
    rotationTolerated: 2,
    rotationScale: 4,
  },
  colourMap: {
    /** Background pixels the colour map is fitted on: plenty for three coefficients per channel. */
    samples: 8000,
    /** Nodes per axis of the residual lattice over RGB (a node every 32 grey levels). */
    lattice: 9,
    /** Pseudo-weight pulling each lattice node towards no correction, so sparse colours stay on the global map. */
    latticePrior: 4,
    /** Nodes per axis of the table the residual lattice is expanded into for lookup (every 8 grey levels). */
    table: 33,
  },
  background: {
    /**
     * The background is measured on at most this many pixels: a smaller image whole, a larger one on
     * `tile`-pixel tiles spread evenly over it (docs/score.md, "Speed", gives what that moves).
     */
    samplePixels: 1 << 16,
    tile: 16,
    /** SSIM windows are (2r + 1)² box windows. */
    ssimRadius: 3,
  },
  quality: {
    /**
     * Inter-ocular distances per sampling cell: each face is measured on a grid this fine relative to its
     * size, so the measures see the same features at any resolution.
     */
    cellsPerEyeDistance: 16,
    /** Detail at the poorest feature (output/template) kept in full, and the log shortfall over which it falls by e. */
    detailFullAt: 0.35,
    detailScale: 0.4,
    /** Contrast at the poorest feature (output/template) kept in full, and the log shortfall over which it falls by e. */
    contrastFullAt: 0.65,
    contrastScale: 0.15,
    /** Grain over plain skin (output/template) that is tolerated, and the log excess over which it falls by e. */
    grainTolerated: 2.5,
    grainScale: 0.5,
    /**
     * Skin energy (output/template) below which the face reads as smeared (blur σ 1 leaves 0.04–0.3 of
     * it, σ 3 0.01–0.03, a smooth avatar on a wrinkled face 0.15), and the log shortfall over which it falls by e.
     */
    smoothTolerated: 0.08,
    smoothScale: 0.4,
    /** Block-grid strength (output/template) that is tolerated, and the log excess over which it falls by e. */
    blocksTolerated: 1.15,
    /**
     * Distance between the outer eye corners (template face, pixels) from which the signs are read at
     * their full tolerance. Below it, a face's eyes and skin patches are a few pixels wide and the signs
     * that read them pixel by pixel (detail, grain, smoothness) swing with any resampling (a 54-px face's
     * detail 0.20 → 0.45 under a 1.5× resample), so their tolerances widen in proportion: detail and
     * smoothness are asked for `span / smallFaceSpan` of the template's, grain may reach its tolerance
     * times the inverse. Contrast and blocks are read over whole features and keep theirs.
     */
    smallFaceSpan: 64,
    /** Soft floor under the product of the signs (see `faceQualityScore`): the part stays above floor / (1 + floor). */
    floor: 0.05,
    blocksScale: 0.15,
  },
} as const;
