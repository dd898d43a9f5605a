//! The awsvpc sandbox: a container that only holds a network namespace for the task's
//! containers to join. Its image, `local-ecs/pause:1`, is built here when missing (no registry
//! is assumed reachable): a FROM-scratch root filesystem holding one static x86_64 ELF,
//! `/pause`, written into an in-memory ustar archive and imported with
//! [`POST /images/create?fromSrc=-`](https://docs.docker.com/engine/api/v1.41/#tag/Image/operation/ImageCreate)
//! (the `docker import` endpoint; bollard's `import_image` is `docker load`, which wants a
//! saved-image archive with manifests instead of a plain root filesystem).
//!
//! Only x86_64 engines are supported for now: elsewhere the sandbox is refused with
//! `Rejected("awsvpc needs x86_64 for now")`.
//!
//! PID 1 without a SIGTERM handler ignores SIGTERM, so the sandbox's stop signal is SIGKILL:
//! stopping it is immediate whatever timeout the caller passes.

use super::map_err;
use crate::runtime::RuntimeError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::CreateImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::BTreeMap;

pub const PAUSE_IMAGE: &str = "local-ecs/pause:1";
/// Set (to "true") on every sandbox container.
pub const SANDBOX_LABEL: &str = "local-ecs.sandbox";

/// Loads at this virtual address (the conventional x86_64 base; page-aligned).
const BASE: u64 = 0x40_0000;
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
/// `pause: mov eax, 34 (SYS_pause); syscall; jmp pause` — `jmp rel8` -9 lands on the `mov`.
const CODE: [u8; 9] = [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7];

/// The whole `/pause` executable: ELF header, one program header, code — 129 bytes.
///
/// ```text
/// 0x00  ELF64 header  e_ident 7f 'E' 'L' 'F', class 2 (64-bit), data 1 (LE), version 1;
///                     e_type 2 (EXEC), e_machine 0x3e (x86-64), e_entry BASE+0x78,
///                     e_phoff 0x40, e_phnum 1, no section headers
/// 0x40  PT_LOAD       flags R+X, maps file offset 0..129 at BASE (the headers come along)
/// 0x78  code          CODE
/// ```
pub fn pause_elf() -> Vec<u8> {
    let code_at = (EHDR_SIZE + PHDR_SIZE) as u64;
    let size = code_at + CODE.len() as u64;
    let mut elf = Vec::with_capacity(size as usize);
    elf.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    elf.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
    elf.extend_from_slice(&0x3eu16.to_le_bytes()); // e_machine: EM_X86_64
    elf.extend_from_slice(&1u32.to_le_bytes()); // e_version
    elf.extend_from_slice(&(BASE + code_at).to_le_bytes()); // e_entry
    elf.extend_from_slice(&(EHDR_SIZE as u64).to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    elf.extend_from_slice(&(EHDR_SIZE as u16).to_le_bytes()); // e_ehsize
    elf.extend_from_slice(&(PHDR_SIZE as u16).to_le_bytes()); // e_phentsize
    elf.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    elf.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_type: PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // p_flags: PF_R | PF_X
    elf.extend_from_slice(&0u64.to_le_bytes()); // p_offset
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_vaddr
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_paddr
    elf.extend_from_slice(&size.to_le_bytes()); // p_filesz
    elf.extend_from_slice(&size.to_le_bytes()); // p_memsz
    elf.extend_from_slice(&0x1000u64.to_le_bytes()); // p_align
    elf.extend_from_slice(&CODE);
    elf
}

/// A ustar archive of regular files (name ≤ 100 bytes, mode 0755, owner root, mtime 0).
pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        out.extend_from_slice(&ustar_header(name, data.len()));
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.resize(out.len() + 1024, 0); // end of archive: two zero blocks
    out
}

/// One 512-byte header. Numeric fields are NUL-terminated zero-padded octal; the checksum is
/// the byte sum of the header with its own field taken as spaces.
fn ustar_header(name: &str, size: usize) -> [u8; 512] {
    let mut h = [0u8; 512];
    let field =
        |h: &mut [u8; 512], at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    let name = name.as_bytes();
    field(&mut h, 0, &name[..name.len().min(100)]);
    field(&mut h, 100, b"0000755\0"); // mode
    field(&mut h, 108, b"0000000\0"); // uid
    field(&mut h, 116, b"0000000\0"); // gid
    field(&mut h, 124, format!("{size:011o}\0").as_bytes());
    field(&mut h, 136, b"00000000000\0"); // mtime
    field(&mut h, 148, b"        "); // checksum placeholder
    h[156] = b'0'; // regular file
    field(&mut h, 257, b"ustar\0");
    field(&mut h, 263, b"00");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    field(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    h
}

/// Builds `local-ecs/pause:1` unless the engine already has it.
pub(super) async fn ensure_image(docker: &Docker) -> Result<(), RuntimeError> {
    match docker.inspect_image(PAUSE_IMAGE).await.map_err(map_err) {
        Ok(_) => return Ok(()),
        Err(RuntimeError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let arch = docker
        .version()
        .await
        .map_err(map_err)?
        .arch
        .unwrap_or_default();
    if arch != "amd64" {
        return Err(RuntimeError::Rejected("awsvpc needs x86_64 for now".into()));
    }
    let (repo, tag) = PAUSE_IMAGE
        .split_once(':')
        .unwrap_or((PAUSE_IMAGE, "latest"));
    let options = CreateImageOptionsBuilder::default()
        .from_src("-")
        .repo(repo)
        .tag(tag)
        .changes(vec![r#"CMD ["/pause"]"#.to_owned()])
        .build();
    let archive = tar(&[("pause", &pause_elf())]);
    let mut progress = docker.create_image(
        Some(options),
        Some(bollard::body_full(archive.into())),
        None,
    );
    while let Some(item) = progress.next().await {
        item.map_err(|e| match map_err(e) {
            RuntimeError::Rejected(m) => {
                RuntimeError::Rejected(format!("building {PAUSE_IMAGE}: {m}"))
            }
            other => other,
        })?;
    }
    Ok(())
}

/// The sandbox container: the pause image on the default bridge, stopped by SIGKILL.
pub(super) fn sandbox_body(labels: &BTreeMap<String, String>) -> ContainerCreateBody {
    let mut labels: std::collections::HashMap<String, String> =
        labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    labels.insert(SANDBOX_LABEL.into(), "true".into());
    ContainerCreateBody {
        image: Some(PAUSE_IMAGE.into()),
        entrypoint: Some(vec!["/pause".into()]),
        labels: Some(labels),
        stop_signal: Some("SIGKILL".into()),
        host_config: Some(HostConfig {
            network_mode: Some("bridge".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_layout() {
        let elf = pause_elf();
        assert_eq!(elf.len(), 129);
        assert_eq!(&elf[..4], b"\x7fELF");
        assert_eq!(
            u64::from_le_bytes(elf[24..32].try_into().unwrap()),
            BASE + 120
        );
        assert_eq!(&elf[120..], &CODE);
    }

    #[test]
    fn tar_layout() {
        let archive = tar(&[("pause", &pause_elf())]);
        assert_eq!(archive.len(), 512 + 512 + 1024);
        assert_eq!(&archive[124..136], b"00000000201\0");
        let mut header = archive[..512].to_vec();
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        let stored = std::str::from_utf8(&archive[148..154]).unwrap();
        assert_eq!(u32::from_str_radix(stored, 8).unwrap(), sum);
    }
}
