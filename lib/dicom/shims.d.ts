// The @cornerstonejs/codec-* packages and jpeg-lossless-decoder-js ship no usable TypeScript types
// (the latter's "types" points at a missing file); these are the parts lib/dicom/codecs.ts uses.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor(buffer?: ArrayBuffer | null, numBytes?: number);
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
    numComp: number;
    xDim: number;
    yDim: number;
    precision: number;
  }
}

declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  const dcmjs: {
    data: {
      DicomMetaDictionary: { denaturalizeDataset(ds: Dataset): Dataset; uid(): string };
      DicomDict: new (meta: Dataset) => { dict: Dataset; write(opts?: object): ArrayBuffer };
    };
  };
  export default dcmjs;
}
