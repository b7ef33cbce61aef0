// Original file: proto/latchkey/v1/agent.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
