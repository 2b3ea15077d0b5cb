import protobuf from 'protobufjs';

/**
 * The subset of ONNX's onnx.proto (IR version 8+) that ntcorr writes and reads: models, graphs, nodes,
 * attributes, tensors and value infos. Field numbers follow the ONNX specification; messages and fields
 * ntcorr never uses (training info, sparse tensors, functions, sequences, maps) are left out, and a
 * decoder skips them when it meets them in a user's model. protobufjs does the wire encoding.
 */
const SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional int32 type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}
message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const Model = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used by ntcorr. */
export const DataType = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type DType = keyof typeof DataType;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** Plain-object form of a ModelProto (the protobufjs object layout, field names as in onnx.proto). */
export type ModelObject = Record<string, unknown>;

/** Serialises a ModelProto object (as built by OnnxGraph.toModelObject) to ONNX bytes. */
export function encodeModel(model: ModelObject): Uint8Array {
  const msg = Model.fromObject(model);
  return Model.encode(msg).finish();
}

/**
 * Parses ONNX bytes into a plain object (int64s as numbers, bytes as Uint8Array). For inspecting a
 * user's model (opset, inputs, outputs); running it goes straight to ONNX Runtime.
 */
export function decodeModel(bytes: Uint8Array): ModelObject {
  const msg = Model.decode(bytes);
  return Model.toObject(msg, { longs: Number, bytes: Uint8Array, defaults: false, arrays: true }) as ModelObject;
}
