use std::mem::MaybeUninit;

use super::{codec_by_id, codec_of, name_of};

fn round_trip<T: PartialEq + std::fmt::Debug>(value: T) {
    let codec = codec_of::<T>().unwrap_or_else(|| panic!("{} has no codec", name_of::<T>()));
    let mut bytes = Vec::new();
    codec.encode_with(&value, &mut bytes).unwrap();
    let back: T = codec.decode_with(&bytes).unwrap();
    assert_eq!(back, value);
}

#[test]
fn the_catalogues_result_types_round_trip() {
    round_trip(vec![0u8, 1, 255]);
    round_trip(vec![1.5f64, -0.25]);
    round_trip((3i64, -7i64));
    round_trip(42u64);
    round_trip(7usize);
    round_trip(String::from("-0.169075164\n-0.169087605"));
    round_trip(vec![9u64; 1000]);
    round_trip(Vec::<u8>::new());
}

#[test]
fn a_type_without_a_codec_is_not_found() {
    #[derive(Debug, PartialEq)]
    struct Local(u8);
    assert!(codec_of::<Local>().is_none());
    assert!(codec_of::<&'static str>().is_none());
    assert!(codec_of::<(u8, u8, u8, u8)>().is_none());
}

#[test]
fn truncated_bytes_are_an_error_not_a_value() {
    let codec = codec_of::<Vec<u64>>().unwrap();
    let mut bytes = Vec::new();
    codec.encode_with(&vec![1u64, 2, 3], &mut bytes).unwrap();
    bytes.truncate(bytes.len() - 3);
    assert!(codec.decode_with::<Vec<u64>>(&bytes).is_err());
}

#[test]
#[should_panic(expected = "codec of another type")]
fn a_codec_refuses_a_value_of_another_type() {
    let codec = codec_of::<u64>().unwrap();
    let mut bytes = Vec::new();
    let _ = codec.encode_with(&1u32, &mut bytes);
}

#[test]
fn a_codec_found_by_type_id_round_trips_through_raw_pointers() {
    let codec = codec_by_id(typeid::of::<Vec<String>>()).expect("Vec<String> has a codec");
    let value = vec!["a".to_string(), "bc".to_string()];
    let mut bytes = Vec::new();
    // SAFETY: the pointer is to a live `Vec<String>`, the codec's type.
    unsafe { codec.encode_raw(std::ptr::from_ref(&value).cast(), &mut bytes) }.unwrap();
    let mut slot = MaybeUninit::<Vec<String>>::uninit();
    // SAFETY: a `MaybeUninit<Vec<String>>` is valid for writes of an aligned
    // `Vec<String>`, the codec's type.
    unsafe { codec.decode_raw(&bytes, slot.as_mut_ptr().cast()) }.unwrap();
    // SAFETY: `decode_raw` returned Ok, so it wrote a whole `Vec<String>`.
    assert_eq!(unsafe { slot.assume_init() }, value);
    let mut slot = MaybeUninit::<Vec<String>>::uninit();
    // SAFETY: as above; on an error nothing is written and the slot stays
    // uninitialised.
    assert!(unsafe { codec.decode_raw(&bytes[..3], slot.as_mut_ptr().cast()) }.is_err());
    assert!(codec_by_id(typeid::of::<&'static str>()).is_none());
}
