// worklet.js: the microphone's audio, at whatever rate the browser captures
// it, mixed to mono, averaged down to 16 kHz and sent to the page as 20 ms
// frames of PCM16LE (320 samples, 640 bytes), the format voicepay's
// /v1/stream announces in session.start.
"use strict";

const RATE = 16000;
const FRAME = RATE / 50; // 20 ms

class PCM16Downsampler extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / RATE; // input samples per output sample
    this.phase = 0;
    this.sum = 0;
    this.count = 0;
    this.newFrame();
  }

  newFrame() {
    this.buf = new ArrayBuffer(FRAME * 2);
    this.view = new DataView(this.buf);
    this.n = 0;
  }

  // emit adds one 16 kHz sample, and posts the frame once it is full.
  emit(v) {
    const s = Math.max(-1, Math.min(1, v));
    this.view.setInt16(this.n * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    if (++this.n === FRAME) {
      this.port.postMessage(this.buf, [this.buf]);
      this.newFrame();
    }
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) {
      return true;
    }
    const len = channels[0].length;
    for (let i = 0; i < len; i++) {
      let v = 0;
      for (let c = 0; c < channels.length; c++) {
        v += channels[c][i];
      }
      // A box filter over each output sample's span of input: a low-pass
      // good enough for speech, and cheap on a phone.
      this.sum += v / channels.length;
      this.count++;
      this.phase += 1;
      if (this.phase >= this.ratio) {
        this.phase -= this.ratio;
        this.emit(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
      }
    }
    return true;
  }
}

registerProcessor("pcm16-downsampler", PCM16Downsampler);
