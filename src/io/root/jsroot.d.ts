// jsroot ships types only for its main entry; its io module is used untyped (objects are ROOT streamer output).
declare module 'jsroot/io' {
  export const openFile: any;
  export const FileProxy: any;
  export const R__unzip: any;
  export const TBuffer: any;
}
