// SPDX-License-Identifier: MIT
/*
 * Files on the volume the loader itself was started from (the ESP built by
 * `make`, with \ringvisor.cfg added by tools/hvrun), through the firmware's
 * Simple File System protocol.
 */
#include "loader.h"

EFI_STATUS fs_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	*root = LibOpenRoot(li->DeviceHandle);
	return *root ? EFI_SUCCESS : EFI_NOT_FOUND;
}

EFI_STATUS fs_open(EFI_FILE_HANDLE root, CHAR16 *name, EFI_FILE_HANDLE *f,
		   UINT64 *size)
{
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	st = uefi_call_wrapper(root->Open, 5, root, f, name, EFI_FILE_MODE_READ,
			       0ull);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(*f);
	if (!info) {
		fs_close(*f);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	st = info->Attribute & EFI_FILE_DIRECTORY ? EFI_NOT_FOUND : EFI_SUCCESS;
	FreePool(info);
	if (EFI_ERROR(st))
		fs_close(*f);
	return st;
}

EFI_STATUS fs_read(EFI_FILE_HANDLE f, void *buf, UINT64 size)
{
	UINT8 *p = buf;
	EFI_STATUS st;

	/* Read may return fewer bytes than asked: loop until all are in. */
	while (size) {
		UINTN n = size;

		st = uefi_call_wrapper(f->Read, 3, f, &n, p);
		if (EFI_ERROR(st))
			return st;
		if (!n)
			return EFI_END_OF_FILE;
		p += n;
		size -= n;
	}
	return EFI_SUCCESS;
}

void fs_close(EFI_FILE_HANDLE f)
{
	uefi_call_wrapper(f->Close, 1, f);
}
