"""Demo mode: a warung's catalogue to sell from when nothing is configured yet."""

from __future__ import annotations

from pos_app.cart import Product

# (sku, barcode, name, category, price)
_CATALOGUE: tuple[tuple[str, str, str, str, int], ...] = (
    ("MNM-001", "8998866200011", "Teh Botol Sosro 450ml", "Minuman", 6000),
    ("MNM-002", "8992761111014", "Aqua 600ml", "Minuman", 4000),
    ("MNM-003", "8992388101013", "Kopi Kapal Api Sachet", "Minuman", 2000),
    ("MNM-004", "8999999195649", "Good Day Cappuccino", "Minuman", 2500),
    ("MNM-005", "8991002101012", "Pocari Sweat 500ml", "Minuman", 8000),
    ("MNM-006", "8993675010019", "Es Teh Manis", "Minuman", 5000),
    ("MNM-007", "8886008101053", "Susu Ultra Coklat 250ml", "Minuman", 7000),
    ("MKN-001", "089686010947", "Indomie Goreng", "Makanan", 3500),
    ("MKN-002", "089686010015", "Indomie Kuah Soto", "Makanan", 3200),
    ("MKN-003", "8886008101077", "Nasi Goreng Spesial", "Makanan", 18000),
    ("MKN-004", "8886008101084", "Mie Ayam Bakso", "Makanan", 15000),
    ("MKN-005", "8886008101091", "Nasi Uduk Telur", "Makanan", 12000),
    ("MKN-006", "8886008101107", "Gorengan (isi 3)", "Makanan", 5000),
    ("MKN-007", "8886008101114", "Roti Tawar Sari Roti", "Makanan", 16000),
    ("SNK-001", "8992775311014", "Chitato Sapi Panggang 68g", "Camilan", 11000),
    ("SNK-002", "8996001600146", "Taro Net 36g", "Camilan", 5500),
    ("SNK-003", "8992760221011", "Oreo 133g", "Camilan", 9500),
    ("SNK-004", "8996001301142", "Beng-Beng", "Camilan", 2500),
    ("SNK-005", "8992741941013", "Kacang Garuda 100g", "Camilan", 9000),
    ("SNK-006", "8998009010019", "Silverqueen 62g", "Camilan", 17500),
    ("SMB-001", "8999999002091", "Beras Pandan Wangi 5kg", "Sembako", 78000),
    ("SMB-002", "8993496101015", "Minyak Goreng Bimoli 1L", "Sembako", 21000),
    ("SMB-003", "8992696401019", "Gula Pasir Gulaku 1kg", "Sembako", 18500),
    ("SMB-004", "8998866500012", "Telur Ayam 1kg", "Sembako", 29000),
    ("SMB-005", "8993005121011", "Kecap Bango 220ml", "Sembako", 11500),
    ("RT-001", "8999999036348", "Sabun Lifebuoy 85g", "Rumah Tangga", 4500),
    ("RT-002", "8999999045173", "Rinso Cair 750ml", "Rumah Tangga", 24000),
    ("RT-003", "8999999531041", "Pepsodent 190g", "Rumah Tangga", 13500),
    ("RT-004", "8998866602013", "Tisu Paseo 250s", "Rumah Tangga", 15000),
    ("RT-005", "8992745110016", "Baterai ABC AA (2)", "Rumah Tangga", 9000),
    ("PLS-001", "", "Pulsa 10.000", "Pulsa & Token", 11500),
    ("PLS-002", "", "Token Listrik 20.000", "Pulsa & Token", 22000),
)


def demo_products() -> list[Product]:
    return [
        Product(
            sku=sku, barcode=barcode or None, name=name, category=category, price=price, stock=None
        )
        for sku, barcode, name, category, price in _CATALOGUE
    ]
