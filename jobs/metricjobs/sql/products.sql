SELECT sku, category, brand, unit_cost FROM {{table "products"}}
